import { baseMoeSpec, moeConfig, moeScratchFor } from '../layers/fused-moe-config.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { LlamaVariant } from './llama-variant.js';

/**
 * Qwen3-MoE: Qwen3 attention (q/k RMSNorm); sparse blocks (softmax → top-k, renormalized when norm_topk_prob) on
 * every decoder_sparse_step-th layer not listed in mlp_only_layers, dense gated MLPs elsewhere.
 */
export function qwen3MoeVariant(config: ModelConfig): LlamaVariant {
  const moe = moeConfig(config);
  const spec = baseMoeSpec(config, moe);
  const scratch = moeScratchFor(spec);
  const denseLayers = new Set(Array.isArray(config.raw.mlp_only_layers) ? config.raw.mlp_only_layers as number[] : []);
  const step = typeof config.raw.decoder_sparse_step === 'number' ? config.raw.decoder_sparse_step : 1;
  const sparse = (i: number): boolean => !denseLayers.has(i) && moe.numExperts > 0 && (i + 1) % step === 0;
  return {
    qkvBias: config.attentionBias, oBias: config.attentionBias, mlpBias: false, qkNorm: true,
    moeLayerOf: (index) => (sparse(index) ? { name: 'mlp', spec, scratch } : null),
  };
}
