import { DTYPE_BYTES, type DType } from './dtype.js';

/** A host tensor as the addon takes it: a buffer, its dtype, shape and optional strides (in elements). */
export interface TensorArg {
  readonly data: ArrayBufferView | ArrayBuffer;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides?: readonly number[];
}

export type HostArray = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A contiguous host tensor owning a typed array. */
export class Tensor<A extends HostArray = HostArray> implements TensorArg {
  constructor(
    readonly data: A,
    readonly dtype: DType,
    readonly shape: readonly number[],
  ) {
    const need = numel(shape) * DTYPE_BYTES[dtype];
    if (data.byteLength < need) throw new RangeError(`tensor data holds ${data.byteLength} bytes, shape needs ${need}`);
  }

  static f32(shape: readonly number[], values?: ArrayLike<number>): Tensor<Float32Array> {
    const data = new Float32Array(numel(shape));
    if (values) data.set(values);
    return new Tensor(data, 'f32', shape);
  }

  static i32(shape: readonly number[], values?: ArrayLike<number>): Tensor<Int32Array> {
    const data = new Int32Array(numel(shape));
    if (values) data.set(values);
    return new Tensor(data, 'i32', shape);
  }

  /** 16-bit floats stored as their bit patterns. */
  static half(dtype: 'f16' | 'bf16', shape: readonly number[], bits: Uint16Array): Tensor<Uint16Array> {
    return new Tensor(bits, dtype, shape);
  }

  /** A view of rows [start, end) of the first dimension (contiguous tensors only). */
  rows(start: number, end: number): Tensor<A> {
    const rowSize = numel(this.shape.slice(1));
    const sub = this.data.subarray(start * rowSize, end * rowSize) as A;
    return new Tensor(sub, this.dtype, [end - start, ...this.shape.slice(1)]);
  }

  reshape(shape: readonly number[]): Tensor<A> {
    if (numel(shape) !== numel(this.shape)) throw new RangeError(`cannot reshape [${this.shape}] to [${shape}]`);
    return new Tensor(this.data, this.dtype, shape);
  }
}
