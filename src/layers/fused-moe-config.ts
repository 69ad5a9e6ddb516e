import type { MoeRouteOptions } from '../../bindings/addon.js';
import { ModelFileError } from '../errors.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { FusedMoeSpec } from './fused-moe.js';
import { MoeScratch } from './fused-moe-scratch.js';

/** The MoE fields of a config.json (under the names each family uses), read from ModelConfig.raw. */
export interface MoeConfig {
  numExperts: number;
  topK: number;
  /** One routed expert's intermediate size. */
  expertIntermediateSize: number;
  normTopkProb: boolean;
  numGroups: number;
  topkGroups: number;
  routedScalingFactor: number;
  /** n_shared_experts (0 without shared experts). */
  numSharedExperts: number;
}

function field(config: ModelConfig, names: readonly string[], fallback?: number | boolean): number | boolean {
  for (const name of names) {
    const v = config.raw[name];
    if (typeof v === 'number' || typeof v === 'boolean') return v;
    if (v !== undefined && v !== null) throw new ModelFileError('config.json', name, `expected a number or boolean, found ${JSON.stringify(v)}`);
  }
  if (fallback === undefined) throw new ModelFileError('config.json', names[0]!, 'missing');
  return fallback;
}

const int = (config: ModelConfig, names: readonly string[], fallback?: number): number => {
  const v = field(config, names, fallback);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ModelFileError('config.json', names[0]!, `expected an integer >= 0, found ${String(v)}`);
  }
  return v;
};

export function moeConfig(config: ModelConfig): MoeConfig {
  return {
    numExperts: int(config, ['num_experts', 'num_local_experts', 'n_routed_experts']),
    topK: int(config, ['num_experts_per_tok']),
    expertIntermediateSize: int(config, ['moe_intermediate_size'], config.intermediateSize),
    normTopkProb: field(config, ['norm_topk_prob'], false) === true,
    numGroups: int(config, ['n_group'], 1),
    topkGroups: int(config, ['topk_group'], 1),
    routedScalingFactor: field(config, ['routed_scaling_factor'], 1) as number,
    numSharedExperts: int(config, ['n_shared_experts'], 0),
  };
}

/** The DeepSeek-V3 / GLM-4.5 router: sigmoid scores, grouped top-k, correction bias, routed scaling. */
export function groupedSigmoidRouter(moe: MoeConfig): MoeRouteOptions {
  return { router: 'sigmoid_grouped', topK: moe.topK, renormalize: moe.normTopkProb, numGroups: moe.numGroups,
    topkGroups: moe.topkGroups, routedScalingFactor: moe.routedScalingFactor };
}

/**
 * The spec most families share: a `gate` router with softmax → top-k, experts under `experts` stored per expert
 * as gate_proj/up_proj/down_proj, silu, no shared experts. Families override what differs.
 */
export function baseMoeSpec(config: ModelConfig, moe: MoeConfig): FusedMoeSpec {
  return {
    hiddenSize: config.hiddenSize,
    numExperts: moe.numExperts,
    intermediateSize: moe.expertIntermediateSize,
    route: { router: 'softmax_topk', topK: moe.topK, renormalize: moe.normTopkProb },
    routerName: 'gate',
    routerBias: false,
    correctionBias: false,
    expertsName: 'experts',
    experts: { kind: 'perExpert', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' },
    activation: { activation: 'silu' },
    sharedExperts: null,
  };
}

/**
 * DeepSeek-V3's MoE block, which Kimi-K2 and GLM-4.5 share: the `gate` router with e_score_correction_bias, sigmoid
 * scores, grouped top-k (topk_group of n_group groups) and routed_scaling_factor; SwiGLU experts; n_shared_experts
 * shared experts as one MLP of n_shared_experts × moe_intermediate_size added to the routed output.
 */
export function groupedSigmoidMoeSpec(config: ModelConfig): FusedMoeSpec {
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

/** Scratch for the MoE blocks of one model built from `spec`. */
export function moeScratchFor(spec: FusedMoeSpec): MoeScratch {
  return new MoeScratch({ hiddenSize: spec.hiddenSize, numExperts: spec.numExperts, topK: spec.route.topK,
    sharedIntermediateSize: spec.sharedExperts?.intermediateSize ?? 0 });
}
