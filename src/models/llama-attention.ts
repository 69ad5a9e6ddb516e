import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { HipserveError } from '../errors.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { WeightSource } from '../loader/weights.js';
import { MhaAttention } from '../layers/attention/mha-attention.js';
import type { PagedKvCache } from '../layers/attention/paged-kv-cache.js';
import { Linear } from '../layers/linear.js';
import { RmsNorm } from '../layers/rms-norm.js';
import { requireWeight, weightAsF32 } from '../layers/weight-tensors.js';
import type { RotaryEmbedding } from '../layers/rotary/rotary-embedding.js';
import type { BaseStep } from './decoder-only-lm.js';
import type { LlamaVariant } from './llama-variant.js';

/** What one step's layers share: positions, attention metadata and activation views, built once per forward. */
/** The Llama family's layers need nothing beyond the base step. */
export type LayerStep = BaseStep;

/** Self-attention of the Llama family: q/k/v projections, optional per-head q/k RMSNorm, RoPE, paged MHA, o_proj. */
export class LlamaAttention {
  private readonly qProj: Linear;
  private readonly kProj: Linear;
  private readonly vProj: Linear;
  private readonly oProj: Linear;
  private readonly qNorm: RmsNorm | null;
  private readonly kNorm: RmsNorm | null;
  private readonly attn: MhaAttention;
  cache: PagedKvCache | null = null;

  constructor(
    ops: NativeOps,
    weights: WeightSource,
    prefix: string,
    config: ModelConfig,
    variant: LlamaVariant,
    private readonly rotary: RotaryEmbedding,
    slidingWindow: number | null = config.slidingWindow,
  ) {
    const { hiddenSize: h, numAttentionHeads: hq, numKeyValueHeads: hk, headDim: d } = config;
    this.qProj = Linear.load(ops, weights, `${prefix}.q_proj`, h, hq * d, variant.qkvBias);
    this.kProj = Linear.load(ops, weights, `${prefix}.k_proj`, h, hk * d, variant.qkvBias);
    this.vProj = Linear.load(ops, weights, `${prefix}.v_proj`, h, hk * d, variant.qkvBias);
    this.oProj = Linear.load(ops, weights, `${prefix}.o_proj`, hq * d, h, variant.oBias);
    this.qNorm = variant.qkNorm ? RmsNorm.load(ops, weights, `${prefix}.q_norm.weight`, d, config.rmsNormEps) : null;
    this.kNorm = variant.qkNorm ? RmsNorm.load(ops, weights, `${prefix}.k_norm.weight`, d, config.rmsNormEps) : null;
    const sinks = variant.attentionSinks ? weightAsF32(requireWeight(weights, `${prefix}.sinks`, [hq])) : undefined;
    this.attn = new MhaAttention(ops, { numHeads: hq, numKvHeads: hk, headDim: d, slidingWindow, sinks });
  }

  /** x [T, H] → out [T, H]; out may be x, which is read only before o_proj writes. */
  forward(x: TensorArg, out: TensorArg, step: LayerStep): void {
    if (!this.cache) throw new HipserveError('engine_error', 'forward before allocateKvCache');
    const v = step.views;
    this.qProj.forward(x, v.q);
    this.kProj.forward(x, v.k);
    this.vProj.forward(x, v.v);
    if (this.qNorm && this.kNorm) {
      this.qNorm.forward(v.qRows, v.qRows);
      this.kNorm.forward(v.kRows, v.kRows);
    }
    this.rotary.forward(step.positions, v.q, v.k);
    this.attn.forward(v.qHeads, v.kHeads, v.vHeads, this.cache, step.meta, v.attnOutHeads);
    this.oProj.forward(v.attnOut, out);
  }
}
