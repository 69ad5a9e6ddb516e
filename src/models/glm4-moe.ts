import { groupedSigmoidMoeSpec, moeScratchFor } from '../layers/fused-moe-config.js';
import type { ModelConfig } from '../loader/model-config.js';
import { firstKDenseReplace } from './deepseek-v3-decoder-layer.js';
import type { LlamaVariant } from './llama-variant.js';

/** transformers' Glm4MoeConfig default for first_k_dense_replace. */
const GLM4_MOE_FIRST_K_DENSE = 1;

/**
 * GLM-4.5 (Glm4MoeForCausalLM): q/k/v biases, optional q/k RMSNorm, partial rotary (from the config); dense MLPs on
 * the first first_k_dense_replace layers, then sparse blocks with the grouped sigmoid router (correction bias,
 * routed scaling) and shared experts.
 */
export function glm4MoeVariant(config: ModelConfig): LlamaVariant {
  const spec = groupedSigmoidMoeSpec(config);
  const scratch = moeScratchFor(spec);
  const firstSparse = firstKDenseReplace(config, GLM4_MOE_FIRST_K_DENSE);
  return {
    qkvBias: config.attentionBias, oBias: false, mlpBias: false, qkNorm: config.qkNorm,
    moeLayerOf: (index) => (index >= firstSparse ? { name: 'mlp', spec, scratch } : null),
  };
}
