import type { GpuOps } from '../../../bindings/gpu.js';
import type { ModelConfig } from '../../loader/model-config.js';
import type { DeviceWeights } from '../../layers/gpu/device-weights.js';
import { buildCosSinCache } from '../../layers/rotary/cos-sin-cache.js';
import type { GpuKernelContext } from '../../platforms/gpu/gpu-platform.js';
import type { LlamaVariant } from '../llama-variant.js';
import type { ModelBuildContext } from '../model-registry.js';
import { GpuCausalLM, type GpuDecoderParts } from './gpu-causal-lm.js';
import { GpuDecoderLayer } from './gpu-decoder-layer.js';
import { GpuFeedForwards } from './gpu-feed-forwards.js';
import { gpuMhaCaches } from './gpu-kv-cache.js';
import { GpuLlamaAttention } from './gpu-llama-attention.js';

/**
 * The Llama family on a GPU: the dense members (Llama, Mistral, Qwen2, Qwen3) and the MoE ones built on them
 * (Qwen3-MoE, Mixtral, GLM-4.5, gpt-oss). Each block is MHA attention (q/k norm, biases, sinks, sliding window as
 * the variant says) and the feed-forward the variant chooses for the layer: the dense gated MLP or an MoE block.
 */
export class GpuLlamaForCausalLM extends GpuCausalLM {
  constructor(context: ModelBuildContext & { kernels: GpuKernelContext }, variant: LlamaVariant) {
    super(context, (weights, maxModelLen) => llamaParts(context.kernels.gpu.ops, weights, context.config, variant,
      maxModelLen, (done) => context.options.onProgress?.({ stage: 'layers', done, total: context.config.numHiddenLayers })));
  }
}

function llamaParts(ops: GpuOps, weights: DeviceWeights, config: ModelConfig, variant: LlamaVariant,
  maxModelLen: number, progress: (done: number) => void): GpuDecoderParts {
  const { hiddenSize: h, rmsNormEps: eps } = config;
  const rope = buildCosSinCache(config, maxModelLen);
  const rotary = { cosSin: weights.f32(rope, [maxModelLen, rope.length / maxModelLen]), isNeox: config.ropeIsNeox };
  const layers: GpuDecoderLayer[] = [];
  const attentions: GpuLlamaAttention[] = [];
  const feedForwards = new GpuFeedForwards(ops, weights);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const attention = new GpuLlamaAttention(ops, weights, p, config, variant, rotary,
      variant.slidingWindowOf ? variant.slidingWindowOf(i) : config.slidingWindow);
    const sparse = variant.moeLayerOf?.(i, weights.source) ?? null;
    const feedForward = sparse ? feedForwards.moe(`${p}.${sparse.name}`, sparse.spec)
      : feedForwards.dense(`${p}.mlp`, h, config.intermediateSize, config.hiddenAct, variant.mlpBias);
    layers.push(GpuDecoderLayer.load(ops, weights, i, h, eps, attention, feedForward));
    attentions.push(attention);
    progress(i + 1);
  }
  return {
    layers,
    caches: gpuMhaCaches(weights.gpu, attentions, config.numKeyValueHeads, config.headDim, weights.device),
    stepDims: { hiddenSize: h, numHeads: config.numAttentionHeads, numKvHeads: config.numKeyValueHeads,
      headDim: config.headDim, intermediateSize: feedForwards.intermediateSize, vocabSize: config.vocabSize,
      moe: feedForwards.moeDims() },
  };
}
