import type { FusedMoeOptions, MoeRouteOptions, NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { HiddenAct } from '../loader/model-config.js';
import type { WeightSource } from '../loader/weights.js';
import type { MoeScratch } from './fused-moe-scratch.js';
import { type ExpertLayout, type ExpertStack, loadExpertStack } from './fused-moe-weights.js';
import { GatedMlp } from './gated-mlp.js';
import { Linear } from './linear.js';
import { requireWeight, weightAsF32 } from './weight-tensors.js';

/** Where an MoE block's weights live under its prefix and how it routes and activates. */
export interface FusedMoeSpec {
  readonly hiddenSize: number;
  readonly numExperts: number;
  /** One routed expert's intermediate size. */
  readonly intermediateSize: number;
  readonly route: MoeRouteOptions;
  /** The router's nn.Linear under the prefix: `gate` (most families) or `router` (gpt-oss). */
  readonly routerName: string;
  readonly routerBias: boolean;
  /** `<prefix>.<routerName>.e_score_correction_bias` (DeepSeek-V3, GLM-4.5). */
  readonly correctionBias: boolean;
  /** The experts' folder under the prefix (`experts`) and their layout. */
  readonly expertsName: string;
  readonly experts: ExpertLayout;
  readonly activation: FusedMoeOptions;
  /** Shared experts: an ordinary gated MLP under `<prefix>.<name>` of this intermediate size, added to the output. */
  readonly sharedExperts: { readonly name: string; readonly intermediateSize: number; readonly hiddenAct: HiddenAct } | null;
}

/**
 * A sparse MoE block: router logits → moeRoute (top-k experts and weights per token) → fusedMoe (grouped expert
 * GEMMs with the activation, weighted combine), plus shared experts when the family has them.
 */
export class FusedMoe {
  private readonly options: FusedMoeOptions;

  constructor(
    private readonly ops: NativeOps,
    private readonly router: Linear,
    private readonly correctionBias: TensorArg | null,
    private readonly route: MoeRouteOptions,
    private readonly experts: ExpertStack,
    activation: FusedMoeOptions,
    private readonly shared: GatedMlp | null,
    private readonly scratch: MoeScratch,
  ) {
    this.options = { ...activation, accumulate: shared !== null };
  }

  /** Loads `<prefix>.<router>`, `<prefix>.<experts>` and the shared experts; scratch is shared by the model's blocks. */
  static load(ops: NativeOps, weights: WeightSource, prefix: string, spec: FusedMoeSpec, scratch: MoeScratch): FusedMoe {
    const { hiddenSize: h, numExperts: e } = spec;
    const routerPrefix = `${prefix}.${spec.routerName}`;
    const router = Linear.load(ops, weights, routerPrefix, h, e, spec.routerBias);
    const bias = spec.correctionBias
      ? weightAsF32(requireWeight(weights, `${routerPrefix}.e_score_correction_bias`, [e])) : null;
    const experts = loadExpertStack(weights, `${prefix}.${spec.expertsName}`,
      { numExperts: e, hiddenSize: h, intermediateSize: spec.intermediateSize }, spec.experts);
    const s = spec.sharedExperts;
    const shared = s ? GatedMlp.load(ops, weights, `${prefix}.${s.name}`, h, s.intermediateSize, s.hiddenAct) : null;
    return new FusedMoe(ops, router, bias ? { data: bias, dtype: 'f32', shape: [e] } : null, spec.route, experts,
      spec.activation, shared, scratch);
  }

  /** x [T, H] → out [T, H]; out may be x (then both dense from element 0 of one Float32Array, as step buffers are). */
  forward(x: TensorArg, out: TensorArg): void {
    const s = this.scratch.views(x.shape[0]!);
    this.router.forward(x, s.logits);
    this.ops.moeRoute(s.logits, this.correctionBias, this.route, s.topkIds, s.topkWeights);
    const aliased = out.data === x.data;
    const target = aliased ? s.out : out;
    this.shared?.forward(x, target, s.shared);
    const { w13, b13, w2, b2 } = this.experts;
    this.ops.fusedMoe(x, w13, b13, w2, b2, s.topkIds, s.topkWeights, this.options, target);
    if (aliased) {
      const n = s.numTokens * x.shape[1]!;
      (out.data as Float32Array).set((s.out.data as Float32Array).subarray(0, n));
    }
  }
}
