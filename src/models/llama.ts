import type { ModelConfig } from '../loader/model-config.js';
import { HipserveError } from '../errors.js';
import { attentionMetadata } from '../layers/attention/attention-metadata.js';
import { PagedKvCache } from '../layers/attention/paged-kv-cache.js';
import { Embedding } from '../layers/embedding.js';
import { LogitsHead } from '../layers/logits-head.js';
import { RmsNorm } from '../layers/rms-norm.js';
import { RotaryEmbedding } from '../layers/rotary/rotary-embedding.js';
import type { ForwardBatch, CausalLM } from './forward-batch.js';
import type { LayerStep } from './llama-attention.js';
import { LlamaDecoderLayer } from './llama-decoder-layer.js';
import type { LlamaVariant } from './llama-variant.js';
import type { ModelBuildContext } from './model-registry.js';
import { StepBuffers } from './step-buffers.js';

const DEFAULT_MAX_BATCHED_TOKENS = 256;

/**
 * The Llama family (Llama, Mistral, Qwen2, Qwen3) on any platform whose kernels serve MHA: embedding → pre-norm
 * decoder blocks → final norm → lm_head. Weights stay as the WeightSource holds them; the KV cache is per layer.
 */
export class LlamaForCausalLM implements CausalLM {
  readonly config: ModelConfig;
  private readonly embedding: Embedding;
  private readonly layers: LlamaDecoderLayer[] = [];
  private readonly norm: RmsNorm;
  private readonly lmHead: LogitsHead;
  private readonly buffers: StepBuffers;
  private kvCacheReady = false;
  private readonly disposeKernels: () => void;

  constructor(context: ModelBuildContext, variant: LlamaVariant) {
    const { config, weights, kernels, platform, options } = context;
    if (platform.attentionBackend(config) !== 'mha') {
      throw new HipserveError('unsupported', `${config.architecture}: platform ${platform.name} does not serve it with MHA`);
    }
    const { ops } = kernels;
    this.disposeKernels = () => kernels.dispose();
    const { hiddenSize: h, vocabSize: v } = config;
    this.config = config;
    const rotary = new RotaryEmbedding(ops, config, options.maxModelLen ?? config.maxPositionEmbeddings);
    this.embedding = Embedding.load(ops, weights, 'model.embed_tokens.weight', v, h);
    for (let i = 0; i < config.numHiddenLayers; i++) {
      this.layers.push(new LlamaDecoderLayer(ops, weights, i, config, variant, rotary));
      options.onProgress?.({ stage: 'layers', done: i + 1, total: config.numHiddenLayers });
    }
    this.norm = RmsNorm.load(ops, weights, 'model.norm.weight', h, config.rmsNormEps);
    this.lmHead = LogitsHead.load(ops, weights, { tied: config.tieWordEmbeddings, vocabSize: v, hiddenSize: h,
      embeddingName: 'model.embed_tokens.weight', lmHeadName: 'lm_head.weight' });
    this.buffers = new StepBuffers({ hiddenSize: h, numHeads: config.numAttentionHeads,
      numKvHeads: config.numKeyValueHeads, headDim: config.headDim, intermediateSize: config.intermediateSize },
    options.maxNumBatchedTokens ?? DEFAULT_MAX_BATCHED_TOKENS);
  }

  kvCacheBytesPerBlock(blockSize: number): number {
    return this.layers.length * PagedKvCache.bytesPerBlock(blockSize, this.config.numKeyValueHeads, this.config.headDim);
  }

  allocateKvCache(numBlocks: number, blockSize: number): void {
    for (const layer of this.layers) {
      layer.selfAttn.cache = new PagedKvCache(numBlocks, blockSize, this.config.numKeyValueHeads, this.config.headDim);
    }
    this.kvCacheReady = true;
  }

  forward(batch: ForwardBatch): Float32Array {
    if (!this.kvCacheReady) throw new HipserveError('engine_error', 'forward before allocateKvCache');
    const t = batch.numTokens;
    const views = this.buffers.views(t);
    const step: LayerStep = { positions: { data: batch.positions, dtype: 'i32', shape: [t] },
      meta: attentionMetadata(batch), views };
    this.embedding.forward({ data: batch.tokenIds, dtype: 'i32', shape: [t] }, views.hidden);
    this.buffers.clearResidual(t);
    for (const layer of this.layers) layer.forward(step);
    this.norm.forwardWithResidual(views.hidden, views.residual);
    return this.lmHead.forward(this.buffers.hiddenData(), t, batch.logitsIndices);
  }

  dispose(): void {
    for (const layer of this.layers) layer.selfAttn.cache = null;
    this.kvCacheReady = false;
    this.disposeKernels();
  }
}
