import type { TensorArg } from '../../../bindings/tensor.js';

/**
 * One layer's paged latent cache: [numBlocks, blockSize, 1, latentDim] f32, each token's k_pe (roped) then its
 * normalized c_kv. It is both the key and the value cache of MLA's single (MQA) KV head.
 */
export class MlaLatentCache {
  readonly latent: TensorArg;

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
    readonly latentDim: number,
  ) {
    this.latent = { data: new Float32Array(numBlocks * blockSize * latentDim), dtype: 'f32',
      shape: [numBlocks, blockSize, 1, latentDim] };
  }

  static bytesPerBlock(blockSize: number, latentDim: number): number {
    return blockSize * latentDim * Float32Array.BYTES_PER_ELEMENT;
  }
}
