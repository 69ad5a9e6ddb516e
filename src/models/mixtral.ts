import { baseMoeSpec, moeConfig, moeScratchFor } from '../layers/fused-moe-config.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { LlamaVariant } from './llama-variant.js';

/**
 * Mixtral: Mistral attention; every layer sparse (softmax → top-k, always renormalized). Experts are
 * block_sparse_moe.experts.N.{w1 (gate), w3 (up), w2 (down)}, or under mlp.experts as transformers 5 saves them.
 */
export function mixtralVariant(config: ModelConfig): LlamaVariant {
  const moe = moeConfig(config);
  const base = baseMoeSpec(config, moe);
  const fused = { ...base, route: { ...base.route, renormalize: true } };
  const legacy = { ...fused, experts: { kind: 'perExpert', gate: 'w1', up: 'w3', down: 'w2' } } as const;
  const scratch = moeScratchFor(fused);
  return {
    qkvBias: false, oBias: false, mlpBias: false, qkNorm: false,
    moeLayerOf: (index, weights) => (weights.has(`model.layers.${index}.block_sparse_moe.gate.weight`)
      ? { name: 'block_sparse_moe', spec: legacy, scratch }
      : { name: 'mlp', spec: fused, scratch }),
  };
}
