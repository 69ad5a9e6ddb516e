import type { ModelConfig } from '../loader/model-config.js';
import { baseMoeSpec, groupedSigmoidRouter, moeConfig } from '../layers/fused-moe-config.js';
import type { FusedMoeSpec } from '../layers/fused-moe.js';

/**
 * DeepSeek-V3's MoE block (Kimi-K2's too): the `gate` router with e_score_correction_bias, sigmoid scores, grouped
 * top-k (topk_group of n_group groups) and routed_scaling_factor; SwiGLU experts; n_shared_experts shared experts
 * as one MLP of n_shared_experts × moe_intermediate_size added to the routed output.
 */
export function deepseekV3MoeSpec(config: ModelConfig): FusedMoeSpec {
  const moe = moeConfig(config);
  return {
    ...baseMoeSpec(config, moe),
    route: groupedSigmoidRouter(moe),
    correctionBias: true,
    sharedExperts: moe.numSharedExperts > 0
      ? { name: 'shared_experts', intermediateSize: moe.numSharedExperts * moe.expertIntermediateSize,
        hiddenAct: config.hiddenAct }
      : null,
  };
}
