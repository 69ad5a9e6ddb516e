import { FusedMoe } from '../layers/fused-moe.js';
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
  const spec = { ...base, route: { ...base.route, renormalize: true },
    experts: { kind: 'perExpert', gate: 'w1', up: 'w3', down: 'w2' } } as const;
  const scratch = moeScratchFor(spec);
  return {
    qkvBias: false, oBias: false, mlpBias: false, qkNorm: false,
    feedForward: ({ ops, weights, prefix }) => {
      const legacy = weights.has(`${prefix}.block_sparse_moe.gate.weight`);
      return legacy
        ? FusedMoe.load(ops, weights, `${prefix}.block_sparse_moe`, spec, scratch)
        : FusedMoe.load(ops, weights, `${prefix}.mlp`, base, scratch);
    },
  };
}
