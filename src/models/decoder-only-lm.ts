import type { ModelConfig } from '../loader/model-config.js';
import { HipserveError } from '../errors.js';
import { attentionMetadata, type AttentionMetadata } from '../layers/attention/attention-metadata.js';
import { Embedding } from '../layers/embedding.js';
import { LogitsHead } from '../layers/logits-head.js';
import { RmsNorm } from '../layers/rms-norm.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { AttentionBackendName } from '../platforms/platform.js';
import type { CausalLM, ForwardBatch } from './forward-batch.js';
import type { ModelBuildContext } from './model-registry.js';
import { StepBuffers, type StepDims, type StepViews } from './step-buffers.js';

export const DEFAULT_MAX_BATCHED_TOKENS = 256;

/** What every decoder layer's step starts from. */
export interface BaseStep {
  readonly positions: TensorArg;
  readonly meta: AttentionMetadata;
  readonly views: StepViews;
}

/** A decoder layer whose self-attention holds its layer's KV cache. */
export interface DecoderLayer<Step extends BaseStep, Cache> {
  readonly selfAttn: { cache: Cache | null };
  forward(step: Step): void;
}

/**
 * What the decoder-only models share: embedding → pre-norm decoder layers (`layers`, built by the subclass) → final
 * norm → lm_head, with the step's activations in preallocated buffers. Subclasses own the per-layer KV caches.
 */
export abstract class DecoderOnlyLM<Step extends BaseStep, Cache, Layer extends DecoderLayer<Step, Cache>>
implements CausalLM {
  readonly config: ModelConfig;
  protected readonly layers: Layer[] = [];
  private readonly embedding: Embedding;
  private readonly norm: RmsNorm;
  private readonly lmHead: LogitsHead;
  private readonly buffers: StepBuffers;
  private kvCacheReady = false;
  private readonly disposeKernels: () => void;

  protected constructor(context: ModelBuildContext, backend: AttentionBackendName, stepDims: StepDims) {
    const { config, weights, kernels, platform, options } = context;
    if (platform.attentionBackend(config) !== backend) {
      throw new HipserveError('unsupported',
        `${config.architecture}: platform ${platform.name} does not serve it with ${backend.toUpperCase()}`);
    }
    const { ops } = kernels;
    this.disposeKernels = () => kernels.dispose();
    this.config = config;
    const { hiddenSize: h, vocabSize: v } = config;
    this.embedding = Embedding.load(ops, weights, 'model.embed_tokens.weight', v, h);
    this.norm = RmsNorm.load(ops, weights, 'model.norm.weight', h, config.rmsNormEps);
    this.lmHead = LogitsHead.load(ops, weights, { tied: config.tieWordEmbeddings, vocabSize: v, hiddenSize: h,
      embeddingName: 'model.embed_tokens.weight', lmHeadName: 'lm_head.weight', embeddingTable: this.embedding.table });
    this.buffers = new StepBuffers(stepDims, options.maxNumBatchedTokens ?? DEFAULT_MAX_BATCHED_TOKENS);
  }

  abstract kvCacheBytesPerBlock(blockSize: number): number;
  /** One layer's KV cache. */
  protected abstract createCache(numBlocks: number, blockSize: number): Cache;
  /** The layers' step: the base step plus what this family's layers need. */
  protected abstract layerStep(base: BaseStep): Step;

  allocateKvCache(numBlocks: number, blockSize: number): void {
    for (const layer of this.layers) layer.selfAttn.cache = this.createCache(numBlocks, blockSize);
    this.kvCacheReady = true;
  }

  forward(batch: ForwardBatch): Float32Array {
    if (!this.kvCacheReady) throw new HipserveError('engine_error', 'forward before allocateKvCache');
    const t = batch.numTokens;
    const views = this.buffers.views(t);
    const step = this.layerStep({ positions: { data: batch.positions, dtype: 'i32', shape: [t] },
      meta: attentionMetadata(batch), views });
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
