import type { GpuOps } from '../../../bindings/gpu.js';
import { latentDim, type MlaDims, mlaDims } from '../../layers/attention/mla-dims.js';
import { groupedSigmoidMoeSpec } from '../../layers/fused-moe-config.js';
import type { DeviceWeights } from '../../layers/gpu/device-weights.js';
import { GpuMlaAttention } from '../../layers/gpu/gpu-mla-attention.js';
import { GpuMlaRotary } from '../../layers/gpu/gpu-mla-rotary.js';
import { GpuMlaScratch } from '../../layers/gpu/gpu-mla-scratch.js';
import type { ModelConfig } from '../../loader/model-config.js';
import type { GpuKernelContext } from '../../platforms/gpu/gpu-platform.js';
import { firstKDenseReplace } from '../deepseek-v3-decoder-layer.js';
import type { ModelBuildContext } from '../model-registry.js';
import { GpuCausalLM, type GpuDecoderParts } from './gpu-causal-lm.js';
import { GpuDecoderLayer } from './gpu-decoder-layer.js';
import { GpuFeedForwards } from './gpu-feed-forwards.js';
import { gpuMlaCaches } from './gpu-kv-cache.js';

/**
 * DeepSeek-V3 (and Kimi-K2) on a GPU, the MLA attention backend: each block is latent attention (absorbed decode
 * and prefill over the paged latent cache) and a dense gated MLP in the first first_k_dense_replace layers, then
 * grouped-sigmoid routed experts with shared experts.
 */
export class GpuDeepseekV3ForCausalLM extends GpuCausalLM {
  constructor(context: ModelBuildContext & { kernels: GpuKernelContext }) {
    super(context, (weights, maxModelLen, maxTokens) => deepseekParts(context.kernels.gpu.ops, weights, context.config,
      maxModelLen, maxTokens, (done) => context.options.onProgress?.({ stage: 'layers', done, total: context.config.numHiddenLayers })));
  }
}

function deepseekParts(ops: GpuOps, weights: DeviceWeights, config: ModelConfig, maxModelLen: number,
  maxTokens: number, progress: (done: number) => void): GpuDecoderParts {
  const { hiddenSize: h, rmsNormEps: eps, numHiddenLayers: n } = config;
  const dims: MlaDims = mlaDims(config);
  const rotary = new GpuMlaRotary(weights, config, dims.qkRopeHeadDim, maxModelLen);
  const scratch = new GpuMlaScratch(weights.gpu, dims, weights.dtype, maxTokens, weights.device);
  const firstSparse = firstKDenseReplace(config);
  const spec = firstSparse < n ? groupedSigmoidMoeSpec(config) : null;
  const feedForwards = new GpuFeedForwards(ops, weights);
  const layers: GpuDecoderLayer[] = [];
  const attentions: GpuMlaAttention[] = [];
  for (let i = 0; i < n; i++) {
    const p = `model.layers.${i}`;
    const attention = new GpuMlaAttention(ops, weights, `${p}.self_attn`, config, dims, rotary, scratch);
    const feedForward = spec && i >= firstSparse ? feedForwards.moe(`${p}.mlp`, spec)
      : feedForwards.dense(`${p}.mlp`, h, config.intermediateSize, config.hiddenAct);
    layers.push(GpuDecoderLayer.load(ops, weights, i, h, eps, attention, feedForward));
    attentions.push(attention);
    progress(i + 1);
  }
  return {
    layers,
    caches: gpuMlaCaches(weights.gpu, attentions, latentDim(dims), weights.device),
    // MLA keeps its activations in its own scratch: the step's MHA views are unused (one 1-wide head).
    stepDims: { hiddenSize: h, numHeads: 1, numKvHeads: 1, headDim: 1, intermediateSize: feedForwards.intermediateSize,
      vocabSize: config.vocabSize, moe: feedForwards.moeDims() },
  };
}
