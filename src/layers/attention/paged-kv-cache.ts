import type { TensorArg } from '../../../bindings/tensor.js';

/** One layer's paged KV cache on the host: key and value [numBlocks, blockSize, numKvHeads, headDim] f32. */
export class PagedKvCache {
  readonly key: TensorArg;
  readonly value: TensorArg;

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
    readonly numKvHeads: number,
    readonly headDim: number,
  ) {
    const shape = [numBlocks, blockSize, numKvHeads, headDim];
    const size = numBlocks * blockSize * numKvHeads * headDim;
    this.key = { data: new Float32Array(size), dtype: 'f32', shape };
    this.value = { data: new Float32Array(size), dtype: 'f32', shape };
  }

  /** Bytes of key + value one block takes. */
  static bytesPerBlock(blockSize: number, numKvHeads: number, headDim: number): number {
    return 2 * blockSize * numKvHeads * headDim * Float32Array.BYTES_PER_ELEMENT;
  }
}
