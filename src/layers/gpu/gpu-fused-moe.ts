import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceFusedMoeOptions, DeviceTensorArg, GpuOps } from '../../../bindings/gpu.js';
import type { MoeRouteOptions } from '../../../bindings/addon.js';
import type { FusedMoeSpec } from '../fused-moe.js';
import { loadExpertStack } from '../fused-moe-weights.js';
import { requireWeight, weightAsF32 } from '../weight-tensors.js';
import type { DeviceWeights } from './device-weights.js';
import { GpuGatedMlp, type GpuMlpViews } from './gpu-gated-mlp.js';
import { GpuLinear } from './gpu-linear.js';

/** What an MoE block writes for a step of T tokens: router logits [T, E] f32, topkIds [T, k] i32, topkWeights [T, k] f32. */
export interface GpuMoeViews {
  readonly logits: DeviceTensorArg;
  readonly topkIds: DeviceTensorArg;
  readonly topkWeights: DeviceTensorArg;
  /** The shared experts' MLP scratch (blocks with shared experts). */
  readonly shared: GpuMlpViews | null;
}

/** The routed experts on the device: w13 [E, 2I, H], w2 [E, H, I] in the compute dtype; biases f32. */
interface DeviceExperts {
  readonly w13: DeviceTensor;
  readonly w2: DeviceTensor;
  readonly b13: DeviceTensor | null;
  readonly b2: DeviceTensor | null;
}

/**
 * A sparse MoE block on the device, as the CPU's FusedMoe: router GEMM (f32 logits) → gpuMoeRoute → shared experts
 * into out → gpuFusedMoe adding the routed experts' weighted sum. Experts are stacked at load by the CPU loader
 * (loadExpertStack: per-expert or fused checkpoints, gpt-oss's interleaved layout) and uploaded once.
 */
export class GpuFusedMoe {
  private readonly options: DeviceFusedMoeOptions;

  private constructor(
    private readonly ops: GpuOps,
    private readonly router: GpuLinear,
    private readonly correctionBias: DeviceTensor | null,
    private readonly route: MoeRouteOptions,
    private readonly experts: DeviceExperts,
    activation: DeviceFusedMoeOptions,
    readonly shared: GpuGatedMlp | null,
    readonly spec: FusedMoeSpec,
  ) {
    this.options = { ...activation, accumulate: shared !== null };
  }

  /** Loads `<prefix>.<router>`, `<prefix>.<experts>` and the shared experts of `spec`. */
  static load(ops: GpuOps, weights: DeviceWeights, prefix: string, spec: FusedMoeSpec): GpuFusedMoe {
    const { hiddenSize: h, numExperts: e } = spec;
    const r = `${prefix}.${spec.routerName}`;
    const f32 = (name: string, shape: number[]): DeviceTensor =>
      weights.f32(weightAsF32(requireWeight(weights.source, name, shape)), shape);
    // The router's logits are f32 (as the CPU's), so its bias is too.
    const router = new GpuLinear(ops, weights.get(`${r}.weight`, [e, h]), spec.routerBias ? f32(`${r}.bias`, [e]) : null);
    const correctionBias = spec.correctionBias ? f32(`${r}.e_score_correction_bias`, [e]) : null;
    const stack = loadExpertStack(weights.source, `${prefix}.${spec.expertsName}`,
      { numExperts: e, hiddenSize: h, intermediateSize: spec.intermediateSize }, spec.experts);
    const hostF32 = (t: typeof stack.b13): DeviceTensor | null =>
      (t ? weights.f32(t.data as Float32Array, t.shape) : null);
    const experts = { w13: weights.host(stack.w13), w2: weights.host(stack.w2), b13: hostF32(stack.b13),
      b2: hostF32(stack.b2) };
    const s = spec.sharedExperts;
    const shared = s ? GpuGatedMlp.load(ops, weights, `${prefix}.${s.name}`, h, s.intermediateSize, s.hiddenAct) : null;
    return new GpuFusedMoe(ops, router, correctionBias, spec.route, experts, spec.activation, shared, spec);
  }

  /** x [T, H] → out [T, H]; out must not overlap x. */
  forward(x: DeviceTensorArg, out: DeviceTensorArg, views: GpuMoeViews): void {
    this.router.forward(x, views.logits);
    this.ops.gpuMoeRoute(views.logits, this.correctionBias, this.route, views.topkIds, views.topkWeights);
    this.shared?.forward(x, out, views.shared!);
    const { w13, b13, w2, b2 } = this.experts;
    this.ops.gpuFusedMoe(x, w13, b13, w2, b2, views.topkIds, views.topkWeights, this.options, out);
  }
}
