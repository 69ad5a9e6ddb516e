import type { FusedMoeSpec } from '../layers/fused-moe.js';
import type { MoeScratch } from '../layers/fused-moe-scratch.js';
import type { WeightSource } from '../loader/weights.js';

/**
 * A sparse layer's MoE block: its weights under `<layer prefix>.<name>` (`mlp`, or Mixtral's `block_sparse_moe`),
 * how it routes and activates, and the host scratch the CPU blocks of one model share (the GPU ignores it).
 */
export interface MoeLayer {
  readonly name: string;
  readonly spec: FusedMoeSpec;
  readonly scratch: MoeScratch;
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
  /**
   * The MoE block of layer `index` (MoE families; the checkpoint tells where some keep it), or null where the
   * layer keeps the dense gated MLP; absent: every layer is dense.
   */
  readonly moeLayerOf?: (index: number, weights: WeightSource) => MoeLayer | null;
}
