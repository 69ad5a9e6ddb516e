import type { NativeOps } from '../../../bindings/addon.js';
import type { TensorArg } from '../../../bindings/tensor.js';
import type { ModelConfig } from '../../loader/model-config.js';
import { buildCosSinCache } from './cos-sin-cache.js';
import { rotaryDim } from './rope-frequencies.js';

/** RoPE applied in place to q and k from a cos/sin cache covering positions [0, maxPositions). */
export class RotaryEmbedding {
  readonly cache: TensorArg;
  readonly rotaryDim: number;

  constructor(
    private readonly ops: NativeOps,
    private readonly config: ModelConfig,
    readonly maxPositions: number,
  ) {
    this.rotaryDim = rotaryDim(config);
    this.cache = { data: buildCosSinCache(config, maxPositions), dtype: 'f32', shape: [maxPositions, this.rotaryDim] };
  }

  /** positions [T] i32; q [T, Hq·D] and k [T, Hk·D] f32, rotated in place. */
  forward(positions: TensorArg, q: TensorArg, k: TensorArg): void {
    this.ops.rotaryEmbedding(positions, q, k, this.cache, this.config.headDim, this.config.ropeIsNeox);
  }
}
