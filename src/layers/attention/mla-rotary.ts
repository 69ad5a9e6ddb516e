import type { NativeOps } from '../../../bindings/addon.js';
import type { TensorArg } from '../../../bindings/tensor.js';
import type { ModelConfig } from '../../loader/model-config.js';
import { buildCosSinCache } from '../rotary/cos-sin-cache.js';

/**
 * RoPE over the first `ropeDim` dims of each absorbed query head and of each latent (k_pe comes first in both).
 * rope_interleave (DeepSeek-V3's default) pairs dims (2i, 2i+1) as GPT-J does. transformers de-interleaves
 * q_pe and k_pe and then rotates halves, which permutes their dims the same way for both, so scores agree.
 */
export class MlaRotary {
  readonly cache: TensorArg;
  private readonly isNeox: boolean;

  constructor(
    private readonly ops: NativeOps,
    config: ModelConfig,
    ropeDim: number,
    maxPositions: number,
  ) {
    const data = buildCosSinCache({ ...config, headDim: ropeDim, partialRotaryFactor: 1 }, maxPositions);
    this.cache = { data, dtype: 'f32', shape: [maxPositions, ropeDim] };
    this.isNeox = config.raw.rope_interleave === false;
  }

  /** positions [T] i32; q [T, H·headSize] and latent [T, headSize] f32, rotated in place. */
  forward(positions: TensorArg, q: TensorArg, latent: TensorArg, headSize: number): void {
    this.ops.rotaryEmbedding(positions, q, latent, this.cache, headSize, this.isNeox);
  }
}
