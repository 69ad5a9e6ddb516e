import { FusedMoe } from '../layers/fused-moe.js';
import { groupedSigmoidMoeSpec, moeScratchFor } from '../layers/fused-moe-config.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { LlamaVariant } from './llama-variant.js';

/**
 * GLM-4.5 (Glm4MoeForCausalLM): q/k/v biases, optional q/k RMSNorm, partial rotary (from the config); dense MLPs on
 * the first first_k_dense_replace layers, then sparse blocks with the grouped sigmoid router (correction bias,
 * routed scaling) and shared experts.
 */
export function glm4MoeVariant(config: ModelConfig): LlamaVariant {
  const spec = groupedSigmoidMoeSpec(config);
  const scratch = moeScratchFor(spec);
  const firstSparse = typeof config.raw.first_k_dense_replace === 'number' ? config.raw.first_k_dense_replace : 0;
  return {
    qkvBias: config.attentionBias, oBias: false, mlpBias: false, qkNorm: config.qkNorm,
    feedForward: ({ ops, weights, index, prefix }) =>
      (index >= firstSparse ? FusedMoe.load(ops, weights, `${prefix}.mlp`, spec, scratch) : null),
  };
}
