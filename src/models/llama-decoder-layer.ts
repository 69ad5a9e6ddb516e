import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { WeightSource } from '../loader/weights.js';
import { FusedMoe } from '../layers/fused-moe.js';
import { GatedMlp } from '../layers/gated-mlp.js';
import { RmsNorm } from '../layers/rms-norm.js';
import type { RotaryEmbedding } from '../layers/rotary/rotary-embedding.js';
import { LlamaAttention, type LayerStep } from './llama-attention.js';
import type { LlamaVariant } from './llama-variant.js';

/** A block's feed-forward part: x [T, H] → out [T, H] (out may be x). */
interface FeedForward {
  forward(x: TensorArg, out: TensorArg, step: LayerStep): void;
}

/** One pre-norm block: h += attn(norm(h)); h += mlp(norm(h)), with the residual stream kept apart. */
export class LlamaDecoderLayer {
  readonly selfAttn: LlamaAttention;
  private readonly inputNorm: RmsNorm;
  private readonly postAttentionNorm: RmsNorm;
  private readonly mlp: FeedForward;

  constructor(ops: NativeOps, weights: WeightSource, index: number, config: ModelConfig, variant: LlamaVariant,
    rotary: RotaryEmbedding) {
    const prefix = `model.layers.${index}`;
    const { hiddenSize: h, rmsNormEps: eps } = config;
    this.inputNorm = RmsNorm.load(ops, weights, `${prefix}.input_layernorm.weight`, h, eps);
    this.selfAttn = new LlamaAttention(ops, weights, `${prefix}.self_attn`, config, variant, rotary,
      variant.slidingWindowOf?.(index));
    this.postAttentionNorm = RmsNorm.load(ops, weights, `${prefix}.post_attention_layernorm.weight`, h, eps);
    const moe = variant.moeLayerOf?.(index, weights) ?? null;
    this.mlp = moe
      ? FusedMoe.load(ops, weights, `${prefix}.${moe.name}`, moe.spec, moe.scratch)
      : denseMlp(GatedMlp.load(ops, weights, `${prefix}.mlp`, h, config.intermediateSize, config.hiddenAct, variant.mlpBias));
  }

  /**
   * On entry buffers.hidden holds the previous block's output not yet added to buffers.residual; on exit it holds
   * this block's output, likewise.
   */
  forward(step: LayerStep): void {
    const { hidden, residual } = step.views;
    this.inputNorm.forwardWithResidual(hidden, residual);
    this.selfAttn.forward(hidden, hidden, step);
    this.postAttentionNorm.forwardWithResidual(hidden, residual);
    this.mlp.forward(hidden, hidden, step);
  }
}

function denseMlp(mlp: GatedMlp): FeedForward {
  return { forward: (x, out, step) => mlp.forward(x, out, step.views.mlp) };
}
