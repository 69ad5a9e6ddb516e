import { PagedKvCache } from '../layers/attention/paged-kv-cache.js';
import { RotaryEmbedding } from '../layers/rotary/rotary-embedding.js';
import { type BaseStep, DecoderOnlyLM } from './decoder-only-lm.js';
import type { LayerStep } from './llama-attention.js';
import { LlamaDecoderLayer } from './llama-decoder-layer.js';
import type { LlamaVariant } from './llama-variant.js';
import type { ModelBuildContext } from './model-registry.js';

/**
 * The Llama family (Llama, Mistral, Qwen2, Qwen3 and the MoE variants built on it) on any platform whose kernels
 * serve MHA. Weights stay as the WeightSource holds them; the KV cache is per layer.
 */
export class LlamaForCausalLM extends DecoderOnlyLM<LayerStep, PagedKvCache, LlamaDecoderLayer> {
  constructor(context: ModelBuildContext, variant: LlamaVariant) {
    const { config, weights, kernels, options } = context;
    super(context, 'mha', { hiddenSize: config.hiddenSize, numHeads: config.numAttentionHeads,
      numKvHeads: config.numKeyValueHeads, headDim: config.headDim, intermediateSize: config.intermediateSize });
    const rotary = new RotaryEmbedding(kernels.ops, config, options.maxModelLen ?? config.maxPositionEmbeddings);
    for (let i = 0; i < config.numHiddenLayers; i++) {
      this.layers.push(new LlamaDecoderLayer(kernels.ops, weights, i, config, variant, rotary));
      options.onProgress?.({ stage: 'layers', done: i + 1, total: config.numHiddenLayers });
    }
  }

  kvCacheBytesPerBlock(blockSize: number): number {
    return this.layers.length * PagedKvCache.bytesPerBlock(blockSize, this.config.numKeyValueHeads, this.config.headDim);
  }

  protected createCache(numBlocks: number, blockSize: number): PagedKvCache {
    return new PagedKvCache(numBlocks, blockSize, this.config.numKeyValueHeads, this.config.headDim);
  }

  protected layerStep(base: BaseStep): LayerStep {
    return base;
  }
}
