import { toBf16Array, toF16Array } from '../../../bindings/half.js';
import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { NativeGpu } from '../../../bindings/gpu.js';
import type { TensorArg } from '../../../bindings/tensor.js';
import type { WeightSource, WeightTensor } from '../../loader/weights.js';
import { requireWeight, weightAsF32 } from '../weight-tensors.js';

export type HalfDType = 'bf16' | 'f16';

/**
 * Uploads a checkpoint's weights to one device in the model's compute dtype (bf16 or f16): tensors already in it
 * are copied as stored; f32 and the other half type are converted on the host first. Owns what it uploads.
 */
export class DeviceWeights {
  private readonly owned: DeviceTensor[] = [];

  constructor(
    readonly gpu: NativeGpu,
    readonly source: WeightSource,
    readonly dtype: HalfDType,
    readonly device = 0,
  ) {}

  /** `name` with its shape checked, as one device tensor. */
  get(name: string, shape: readonly number[]): DeviceTensor {
    return this.concatRows([name], shape.slice(1), [shape[0]!]);
  }

  /**
   * Tensors stacked along their first dimension into one device tensor (merged q/k/v or gate/up projections):
   * `rows[i]` rows of `trailing` shape each, in order.
   */
  concatRows(names: readonly string[], trailing: readonly number[], rows: readonly number[]): DeviceTensor {
    const rowSize = trailing.reduce((a, b) => a * b, 1);
    const total = rows.reduce((a, b) => a + b, 0);
    const t = this.keep(DeviceTensor.empty(this.gpu, this.dtype, [total, ...trailing], this.device));
    let offset = 0;
    names.forEach((name, i) => {
      const w = requireWeight(this.source, name, [rows[i]!, ...trailing]);
      const bits = this.halfBits(w);
      if (bits.length > 0) t.data.upload(bits, offset * 2);
      offset += rows[i]! * rowSize;
    });
    return t;
  }

  /**
   * A host tensor the loader assembled (stacked experts: f32, bf16 or f16, contiguous) as one device tensor of the
   * compute dtype.
   */
  host(t: TensorArg): DeviceTensor {
    const src = ArrayBuffer.isView(t.data) ? t.data : new Uint8Array(t.data);
    const data = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    const bits = this.halfBits({ name: 'stacked tensor', dtype: t.dtype, shape: t.shape, data });
    return this.keep(DeviceTensor.upload(this.gpu, this.dtype, t.shape, bits, this.device));
  }

  /** A new device tensor of the compute dtype from host f32 values (a computed parameter). */
  fromF32(values: Float32Array, shape: readonly number[]): DeviceTensor {
    const bits = this.dtype === 'bf16' ? toBf16Array(values) : toF16Array(values);
    return this.keep(DeviceTensor.upload(this.gpu, this.dtype, shape, bits, this.device));
  }

  /** Host f32 values uploaded as f32 (tables the kernels read in f32, such as the RoPE cache or sinks). */
  f32(values: Float32Array, shape: readonly number[]): DeviceTensor {
    return this.keep(DeviceTensor.upload(this.gpu, 'f32', shape, values, this.device));
  }

  dispose(): void {
    for (const t of this.owned.splice(0)) t.dispose();
  }

  private keep(t: DeviceTensor): DeviceTensor {
    this.owned.push(t);
    return t;
  }

  /** The tensor's values as 16-bit patterns of the compute dtype. */
  private halfBits(w: WeightTensor): Uint16Array {
    if (w.dtype === this.dtype) return new Uint16Array(w.data.buffer, w.data.byteOffset, w.data.byteLength / 2);
    const values = weightAsF32(w);
    return this.dtype === 'bf16' ? toBf16Array(values) : toF16Array(values);
  }
}
