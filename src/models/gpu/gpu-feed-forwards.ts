import type { GpuOps } from '../../../bindings/gpu.js';
import type { FusedMoeSpec } from '../../layers/fused-moe.js';
import type { HiddenAct } from '../../loader/model-config.js';
import type { DeviceWeights } from '../../layers/gpu/device-weights.js';
import { GpuFusedMoe } from '../../layers/gpu/gpu-fused-moe.js';
import { GpuGatedMlp, gpuMlpViews } from '../../layers/gpu/gpu-gated-mlp.js';
import type { GpuFeedForward } from './gpu-decoder-layer.js';
import type { GpuMoeDims } from './gpu-step-buffers.js';

/** The dense gated MLP as a block's feed-forward, over the step's MLP scratch. */
export function denseFeedForward(mlp: GpuGatedMlp): GpuFeedForward {
  return {
    forward: (x, out, { views: v }) =>
      mlp.forward(x, out, gpuMlpViews(v.gateUp, v.act, v.numTokens, mlp.intermediateSize)),
  };
}

/** An MoE block as a block's feed-forward, writing the step's routing into MoE slot `slot` (one per sparse layer). */
export function moeFeedForward(moe: GpuFusedMoe, slot: number): GpuFeedForward {
  return { forward: (x, out, { views: v }) => moe.forward(x, out, v.moe[slot]!) };
}

/**
 * Loads an architecture's feed-forwards block by block (dense gated MLPs or MoE blocks) and keeps what the step
 * buffers must hold for them: the widest MLP and the MoE routing slots.
 */
export class GpuFeedForwards {
  private readonly sparse: GpuFusedMoe[] = [];
  private readonly widths = [0];

  constructor(private readonly ops: GpuOps, private readonly weights: DeviceWeights) {}

  dense(prefix: string, hidden: number, intermediate: number, act: HiddenAct, bias = false): GpuFeedForward {
    const mlp = GpuGatedMlp.load(this.ops, this.weights, prefix, hidden, intermediate, act, bias);
    this.widths.push(mlp.intermediateSize);
    return denseFeedForward(mlp);
  }

  moe(prefix: string, spec: FusedMoeSpec): GpuFeedForward {
    const block = GpuFusedMoe.load(this.ops, this.weights, prefix, spec);
    this.widths.push(block.shared?.intermediateSize ?? 0);
    this.sparse.push(block);
    return moeFeedForward(block, this.sparse.length - 1);
  }

  /** The widest dense MLP (the step's gate_up/act scratch). */
  get intermediateSize(): number {
    return Math.max(...this.widths);
  }

  moeDims(): GpuMoeDims | null {
    const first = this.sparse[0]?.spec;
    return first ? { numExperts: first.numExperts, topK: first.route.topK, numLayers: this.sparse.length,
      sharedIntermediateSize: Math.max(0, ...this.sparse.map((b) => b.shared?.intermediateSize ?? 0)) } : null;
  }
}
