import type { DeviceAttentionOptions, DeviceTensorArg, GpuOps } from '../../../bindings/gpu.js';
import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { ModelConfig } from '../../loader/model-config.js';
import type { DeviceWeights } from '../../layers/gpu/device-weights.js';
import { GpuLinear } from '../../layers/gpu/gpu-linear.js';
import { requireWeight, weightAsF32 } from '../../layers/weight-tensors.js';
import type { LlamaVariant } from '../llama-variant.js';
import type { GpuAttention } from './gpu-decoder-layer.js';
import type { GpuLayerCache } from './gpu-kv-cache.js';
import type { GpuLayerStep } from './gpu-layer-step.js';

/** Shared by every layer: the RoPE table on the device. */
export interface GpuRotary {
  readonly cosSin: DeviceTensor;
  readonly isNeox: boolean;
}

/**
 * Llama-family self-attention on the device: one GEMM for q/k/v → (per-head q/k RMSNorm +) RoPE fused with the
 * KV-cache write → paged attention (the split-K decode kernel for decode-only steps, the flash prefill kernel
 * otherwise, both with gpt-oss's sinks) → o_proj.
 */
export class GpuLlamaAttention implements GpuAttention {
  private readonly qkv: GpuLinear;
  private readonly o: GpuLinear;
  private readonly qkNorm: { q: DeviceTensor; k: DeviceTensor; eps: number } | null;
  private readonly options: DeviceAttentionOptions;
  private readonly headDim: number;
  cache: GpuLayerCache | null = null;

  constructor(private readonly ops: GpuOps, weights: DeviceWeights, prefix: string, config: ModelConfig,
    variant: LlamaVariant, private readonly rotary: GpuRotary, slidingWindow: number | null) {
    const { hiddenSize: h, numAttentionHeads: hq, numKeyValueHeads: hk, headDim: d } = config;
    const p = `${prefix}.self_attn`;
    this.qkv = GpuLinear.load(ops, weights, [`${p}.q_proj`, `${p}.k_proj`, `${p}.v_proj`], h, [hq * d, hk * d, hk * d],
      variant.qkvBias);
    this.o = GpuLinear.load(ops, weights, [`${p}.o_proj`], hq * d, [h], variant.oBias);
    this.qkNorm = variant.qkNorm
      ? { q: weights.get(`${p}.q_norm.weight`, [d]), k: weights.get(`${p}.k_norm.weight`, [d]), eps: config.rmsNormEps }
      : null;
    this.options = { scale: 1 / Math.sqrt(d) };
    if (slidingWindow && slidingWindow > 0) this.options.slidingWindow = slidingWindow;
    if (variant.attentionSinks) {
      this.options.sinks = weights.f32(weightAsF32(requireWeight(weights.source, `${p}.sinks`, [hq])), [hq]);
    }
    this.headDim = d;
  }

  /** x [T, H] → out [T, H] (out may be x: x is read only by the first GEMM). */
  forward(x: DeviceTensorArg, out: DeviceTensorArg, step: GpuLayerStep): void {
    const cache = this.cache!;
    const { views: v, inputs: s } = step;
    this.qkv.forward(x, v.qkv);
    this.ops.gpuRotaryEmbedding(s.positions, v.q, v.k, this.rotary.cosSin, this.headDim, this.rotary.isNeox,
      { value: v.v, keyCache: cache.key, valueCache: cache.value, slotMapping: s.slotMapping },
      this.qkNorm ?? undefined);
    if (s.decodeOnly) {
      this.ops.gpuPagedDecodeAttention(v.qHeads, cache.key, cache.value, s.seqLens, s.blockTables, s.maxSeqLen,
        this.options, v.attnOutHeads);
    } else {
      this.ops.gpuPagedAttention(v.qHeads, cache.key, cache.value, s.queryStartLoc, s.seqLens, s.blockTables,
        s.maxQueryLen, s.maxSeqLen, this.options, v.attnOutHeads);
    }
    this.o.forward(v.attnOut, out);
  }
}
