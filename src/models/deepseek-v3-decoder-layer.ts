import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { WeightSource } from '../loader/weights.js';
import { MlaAttention } from '../layers/attention/mla-attention.js';
import type { MlaDims } from '../layers/attention/mla-dims.js';
import type { MlaRotary } from '../layers/attention/mla-rotary.js';
import type { MlaStepViews } from '../layers/attention/mla-scratch.js';
import { FusedMoe, type FusedMoeSpec } from '../layers/fused-moe.js';
import type { MoeScratch } from '../layers/fused-moe-scratch.js';
import { GatedMlp } from '../layers/gated-mlp.js';
import { RmsNorm } from '../layers/rms-norm.js';
import type { BaseStep } from './decoder-only-lm.js';

/** What one step's layers share. */
export interface DeepseekV3Step extends BaseStep {
  readonly mla: MlaStepViews;
}

/** The block's feed-forward: x [T, H] → out [T, H] (out may be x). */
interface FeedForward {
  forward(x: TensorArg, out: TensorArg, step: DeepseekV3Step): void;
}

/**
 * How many leading layers keep a dense MLP; when the config omits it, transformers' default for the architecture
 * (DeepseekV3Config: 3, Glm4MoeConfig: 1).
 */
export function firstKDenseReplace(config: ModelConfig, fallback = 3): number {
  const v = config.raw.first_k_dense_replace;
  return typeof v === 'number' ? v : fallback;
}

function denseMlp(ops: NativeOps, weights: WeightSource, prefix: string, config: ModelConfig): FeedForward {
  const mlp = GatedMlp.load(ops, weights, prefix, config.hiddenSize, config.intermediateSize, config.hiddenAct);
  return { forward: (x, out, step) => mlp.forward(x, out, step.views.mlp) };
}

/** A sparse layer's MoE block: its spec and the scratch every sparse layer of the model shares. */
export interface SparseMlp {
  readonly spec: FusedMoeSpec;
  readonly scratch: MoeScratch;
}

function moeMlp(ops: NativeOps, weights: WeightSource, prefix: string, sparse: SparseMlp): FeedForward {
  const moe = FusedMoe.load(ops, weights, prefix, sparse.spec, sparse.scratch);
  return { forward: (x, out) => moe.forward(x, out) };
}

/**
 * One pre-norm block: h += mla(norm(h)); h += mlp(norm(h)), the MLP dense in the first first_k_dense_replace layers
 * and a routed mixture of experts (with shared experts) after them. The residual stream is kept apart.
 */
export class DeepseekV3DecoderLayer {
  readonly selfAttn: MlaAttention;
  private readonly inputNorm: RmsNorm;
  private readonly postAttentionNorm: RmsNorm;
  private readonly mlp: FeedForward;

  /** `sparse`: this layer's MoE block, or null for a dense MLP. */
  constructor(ops: NativeOps, weights: WeightSource, index: number, config: ModelConfig, dims: MlaDims,
    rotary: MlaRotary, sparse: SparseMlp | null) {
    const prefix = `model.layers.${index}`;
    const { hiddenSize: h, rmsNormEps: eps } = config;
    this.inputNorm = RmsNorm.load(ops, weights, `${prefix}.input_layernorm.weight`, h, eps);
    this.selfAttn = new MlaAttention(ops, weights, `${prefix}.self_attn`, config, dims, rotary);
    this.postAttentionNorm = RmsNorm.load(ops, weights, `${prefix}.post_attention_layernorm.weight`, h, eps);
    this.mlp = sparse ? moeMlp(ops, weights, `${prefix}.mlp`, sparse) : denseMlp(ops, weights, `${prefix}.mlp`, config);
  }

  /** On entry views.hidden holds the previous block's output not yet added to views.residual; likewise on exit. */
  forward(step: DeepseekV3Step): void {
    const { hidden, residual } = step.views;
    this.inputNorm.forwardWithResidual(hidden, residual);
    this.selfAttn.forward(hidden, hidden, step.positions, step.meta, step.mla);
    this.postAttentionNorm.forwardWithResidual(hidden, residual);
    this.mlp.forward(hidden, hidden, step);
  }
}
