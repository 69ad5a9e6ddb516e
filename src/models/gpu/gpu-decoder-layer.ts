import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, GpuOps } from '../../../bindings/gpu.js';
import type { DeviceWeights } from '../../layers/gpu/device-weights.js';
import type { GpuLayerStep } from './gpu-layer-step.js';

/** A block's attention on the device: x [T, H] → out [T, H], through the layer's own cache. */
export interface GpuAttention {
  forward(x: DeviceTensorArg, out: DeviceTensorArg, step: GpuLayerStep): void;
}

/** A block's feed-forward on the device (dense gated MLP or mixture of experts): x [T, H] → out [T, H], apart. */
export interface GpuFeedForward {
  forward(x: DeviceTensorArg, out: DeviceTensorArg, step: GpuLayerStep): void;
}

/**
 * One pre-norm block on the device. The residual stream is kept apart as on the CPU: on entry `hidden` holds the
 * previous block's output not yet added to `residual` (for the first block, `residual` holds the embeddings and
 * `hidden` nothing); on exit, likewise. Attention writes `ffnIn`, which the feed-forward reads normalized, so the
 * feed-forward's output never overlaps its input (the fused MoE needs that):
 *
 *   hidden ─(+residual, norm)─▶ hidden ─attn─▶ ffnIn ─(+residual, norm)─▶ ffnIn ─ffn─▶ hidden
 */
export class GpuDecoderLayer {
  constructor(
    private readonly ops: GpuOps,
    private readonly index: number,
    private readonly inputNorm: DeviceTensor,
    private readonly postNorm: DeviceTensor,
    private readonly eps: number,
    readonly attention: GpuAttention,
    readonly feedForward: GpuFeedForward,
  ) {}

  /** Block i of a Hugging Face checkpoint: its input and post-attention RMSNorm weights around the given parts. */
  static load(ops: GpuOps, weights: DeviceWeights, i: number, hiddenSize: number, eps: number, attention: GpuAttention,
    feedForward: GpuFeedForward): GpuDecoderLayer {
    const p = `model.layers.${i}`;
    return new GpuDecoderLayer(ops, i, weights.get(`${p}.input_layernorm.weight`, [hiddenSize]),
      weights.get(`${p}.post_attention_layernorm.weight`, [hiddenSize]), eps, attention, feedForward);
  }

  forward(step: GpuLayerStep): void {
    const { hidden, residual, ffnIn } = step.views;
    if (this.index === 0) this.ops.gpuRmsNorm(residual, this.inputNorm, this.eps, hidden);
    else this.ops.gpuFusedAddRmsNorm(hidden, residual, this.inputNorm, this.eps);
    this.attention.forward(hidden, ffnIn, step);
    this.ops.gpuFusedAddRmsNorm(ffnIn, residual, this.postNorm, this.eps);
    this.feedForward.forward(ffnIn, hidden, step);
  }
}
