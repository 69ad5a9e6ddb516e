import { HipserveError } from '../errors.js';
import { attentionMetadata } from '../layers/attention/attention-metadata.js';
import { latentDim, type MlaDims, mlaDims } from '../layers/attention/mla-dims.js';
import { MlaLatentCache } from '../layers/attention/mla-latent-cache.js';
import { MlaRotary } from '../layers/attention/mla-rotary.js';
import { MlaScratch } from '../layers/attention/mla-scratch.js';
import { Embedding } from '../layers/embedding.js';
import { groupedSigmoidMoeSpec, moeScratchFor } from '../layers/fused-moe-config.js';
import { LogitsHead } from '../layers/logits-head.js';
import { RmsNorm } from '../layers/rms-norm.js';
import type { ModelConfig } from '../loader/model-config.js';
import { DeepseekV3DecoderLayer, type DeepseekV3Step, firstKDenseReplace, type SparseMlp }
  from './deepseek-v3-decoder-layer.js';
import type { CausalLM, ForwardBatch } from './forward-batch.js';
import type { ModelBuildContext } from './model-registry.js';
import { StepBuffers } from './step-buffers.js';

const DEFAULT_MAX_BATCHED_TOKENS = 256;

/**
 * DeepSeek-V3 (and Kimi-K2, which loads through it) on a platform whose attention backend is MLA: embedding →
 * pre-norm blocks of latent attention and dense or MoE MLPs → final norm → lm_head. Each layer caches one latent
 * per token (k_pe and c_kv: kv_lora_rank + qk_rope_head_dim floats), one KV-cache group for the serving core.
 */
export class DeepseekV3ForCausalLM implements CausalLM {
  readonly config: ModelConfig;
  private readonly dims: MlaDims;
  private readonly embedding: Embedding;
  private readonly layers: DeepseekV3DecoderLayer[] = [];
  private readonly norm: RmsNorm;
  private readonly lmHead: LogitsHead;
  private readonly buffers: StepBuffers;
  private readonly mla: MlaScratch;
  private kvCacheReady = false;
  private readonly disposeKernels: () => void;

  constructor(context: ModelBuildContext) {
    const { config, weights, kernels, platform, options } = context;
    if (platform.attentionBackend(config) !== 'mla') {
      throw new HipserveError('unsupported', `${config.architecture}: platform ${platform.name} does not serve it with MLA`);
    }
    const { ops } = kernels;
    this.disposeKernels = () => kernels.dispose();
    const { hiddenSize: h, vocabSize: v } = config;
    this.config = config;
    this.dims = mlaDims(config);
    const rotary = new MlaRotary(ops, config, this.dims.qkRopeHeadDim, options.maxModelLen ?? config.maxPositionEmbeddings);
    this.embedding = Embedding.load(ops, weights, 'model.embed_tokens.weight', v, h);
    const firstSparse = firstKDenseReplace(config);
    let sparse: SparseMlp | null = null;
    if (firstSparse < config.numHiddenLayers) {
      const spec = groupedSigmoidMoeSpec(config);
      sparse = { spec, scratch: moeScratchFor(spec) };
    }
    for (let i = 0; i < config.numHiddenLayers; i++) {
      this.layers.push(new DeepseekV3DecoderLayer(ops, weights, i, config, this.dims, rotary,
        i >= firstSparse ? sparse : null));
      options.onProgress?.({ stage: 'layers', done: i + 1, total: config.numHiddenLayers });
    }
    this.norm = RmsNorm.load(ops, weights, 'model.norm.weight', h, config.rmsNormEps);
    this.lmHead = LogitsHead.load(ops, weights, { tied: config.tieWordEmbeddings, vocabSize: v, hiddenSize: h,
      embeddingName: 'model.embed_tokens.weight', lmHeadName: 'lm_head.weight' });
    const tokens = options.maxNumBatchedTokens ?? DEFAULT_MAX_BATCHED_TOKENS;
    // Only hidden, residual and the dense MLP's scratch are used; MLA keeps its own activations.
    this.buffers = new StepBuffers({ hiddenSize: h, numHeads: 1, numKvHeads: 1, headDim: 1,
      intermediateSize: config.intermediateSize }, tokens);
    this.mla = new MlaScratch(this.dims, tokens);
  }

  kvCacheBytesPerBlock(blockSize: number): number {
    return this.layers.length * MlaLatentCache.bytesPerBlock(blockSize, latentDim(this.dims));
  }

  allocateKvCache(numBlocks: number, blockSize: number): void {
    for (const layer of this.layers) layer.selfAttn.cache = new MlaLatentCache(numBlocks, blockSize, latentDim(this.dims));
    this.kvCacheReady = true;
  }

  forward(batch: ForwardBatch): Float32Array {
    if (!this.kvCacheReady) throw new HipserveError('engine_error', 'forward before allocateKvCache');
    const t = batch.numTokens;
    const views = this.buffers.views(t);
    const step: DeepseekV3Step = { positions: { data: batch.positions, dtype: 'i32', shape: [t] },
      meta: attentionMetadata(batch), views, mla: this.mla.views(t) };
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
