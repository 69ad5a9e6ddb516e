import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { WeightSource } from '../loader/weights.js';
import type { LayerStep } from './llama-attention.js';

/** A block's feed-forward part: x [T, H] → out [T, H] (out may be x). */
export interface FeedForward {
  forward(x: TensorArg, out: TensorArg, step: LayerStep): void;
}

/** What a variant's feed-forward factory gets for layer `index`, whose weights live under `prefix` (…layers.N). */
export interface FeedForwardContext {
  readonly ops: NativeOps;
  readonly weights: WeightSource;
  readonly config: ModelConfig;
  readonly index: number;
  readonly prefix: string;
}

/** What distinguishes the members of the Llama family that share one implementation. */
export interface LlamaVariant {
  /** q/k/v projections carry biases (Qwen2; Llama with attention_bias). */
  readonly qkvBias: boolean;
  /** o_proj carries a bias (Llama with attention_bias). */
  readonly oBias: boolean;
  /** gate/up/down projections carry biases (Llama with mlp_bias). */
  readonly mlpBias: boolean;
  /** Per-head RMSNorm of q and k before RoPE (Qwen3). */
  readonly qkNorm: boolean;
  /** self_attn.sinks: one learned logit per head in each softmax denominator (gpt-oss). */
  readonly attentionSinks?: boolean;
  /** The sliding window of layer `index` (null: full attention); absent: config.slidingWindow for every layer. */
  readonly slidingWindowOf?: (index: number) => number | null;
  /** The feed-forward block of a layer (MoE families); absent or null: the dense gated MLP. */
  readonly feedForward?: (context: FeedForwardContext) => FeedForward | null;
}
