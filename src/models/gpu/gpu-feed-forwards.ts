import { GpuFusedMoe } from '../../layers/gpu/gpu-fused-moe.js';
import { GpuGatedMlp, gpuMlpViews } from '../../layers/gpu/gpu-gated-mlp.js';
import type { GpuFeedForward } from './gpu-decoder-layer.js';

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
