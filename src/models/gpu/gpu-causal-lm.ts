import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, GpuAddon, GpuGraph } from '../../../bindings/gpu.js';
import { HipserveError } from '../../errors.js';
import type { ModelConfig } from '../../loader/model-config.js';
import { DeviceSampler } from '../../sampling/device-sampler.js';
import { DeviceWeights, type HalfDType } from '../../layers/gpu/device-weights.js';
import type { GpuKernelContext } from '../../platforms/gpu/gpu-platform.js';
import { DEFAULT_MAX_BATCHED_TOKENS } from '../decoder-only-lm.js';
import type { CausalLM, ForwardBatch } from '../forward-batch.js';
import type { ModelBuildContext } from '../model-registry.js';
import type { GpuDecoderLayer } from './gpu-decoder-layer.js';
import { GpuStepBuffers, type GpuStepDims, type GpuStepViews } from './gpu-step-buffers.js';
import { GpuStepInputBuffer, type GpuStepInputs } from './gpu-step-inputs.js';
import { graphSizeFor } from './graph-sizes.js';

/** Default cap on the decode batch sizes captured into graphs (and on logits rows per lm_head call). */
const DEFAULT_MAX_GRAPH_BATCH = 256;

function computeDtype(config: ModelConfig): HalfDType {
  return config.torchDtype === 'float16' ? 'f16' : 'bf16';
}

/**
 * The attention caches of a GPU model's layers (the paged KV cache for MHA; a latent cache for MLA): sized per
 * block, allocated once the engine knows how many blocks fit, handed to the layers' attentions by `allocate`.
 */
export interface GpuAttentionCaches {
  bytesPerBlock(blockSize: number): number;
  allocate(numBlocks: number, blockSize: number, dtype: HalfDType): void;
  release(): void;
}

/** What an architecture builds on the device for GpuCausalLM: its blocks, their caches, the step's widths. */
export interface GpuDecoderParts {
  readonly layers: readonly GpuDecoderLayer[];
  readonly caches: GpuAttentionCaches;
  readonly stepDims: GpuStepDims;
}

/** How an architecture builds its parts from the uploaded weights (RoPE tables up to maxModelLen; scratch of its
 *  own, if any, for steps of up to maxTokens tokens). */
export type GpuDecoderBuilder = (weights: DeviceWeights, maxModelLen: number, maxTokens: number) => GpuDecoderParts;

/**
 * A decoder-only LM on a GPU: embeddings → the architecture's blocks (attention + dense or MoE feed-forward) →
 * final norm → lm_head. Weights uploaded once in bf16 (or f16 for float16 checkpoints), activations and caches in
 * the same dtype, every step enqueued on the device's stream. Decode-only steps of up to maxGraphBatch sequences
 * are padded to a captured size and replayed from a graph; other steps run eagerly. Returns f32 logits of the
 * requested rows on the host, as the CPU models do.
 */
export class GpuCausalLM implements CausalLM {
  readonly config: ModelConfig;
  private readonly gpu: GpuAddon;
  private readonly weights: DeviceWeights;
  private readonly embedding: DeviceTensor;
  private readonly lmHead: DeviceTensor;
  private readonly norm: DeviceTensor;
  private readonly layers: readonly GpuDecoderLayer[];
  private readonly caches: GpuAttentionCaches;
  private readonly buffers: GpuStepBuffers;
  private readonly maxModelLen: number;
  private readonly maxGraphBatch: number;
  private readonly enforceEager: boolean;
  private inputs: GpuStepInputBuffer | null = null;
  private readonly graphs = new Map<number, GpuGraph>();
  private hostLogits = new Float32Array(0);
  private lastStepTokens = 0;

  constructor(context: ModelBuildContext & { kernels: GpuKernelContext }, build: GpuDecoderBuilder) {
    const { config, kernels, options } = context;
    this.config = config;
    this.gpu = kernels.gpu;
    const { hiddenSize: h, vocabSize: v } = config;
    const dtype = computeDtype(config);
    this.weights = new DeviceWeights(this.gpu.gpu, context.weights, dtype, kernels.device);
    this.maxModelLen = options.maxModelLen ?? config.maxPositionEmbeddings;
    this.maxGraphBatch = Math.min(options.maxNumSeqs ?? DEFAULT_MAX_GRAPH_BATCH, DEFAULT_MAX_GRAPH_BATCH);
    this.enforceEager = options.enforceEager ?? false;
    this.embedding = this.weights.get('model.embed_tokens.weight', [v, h]);
    const tied = config.tieWordEmbeddings || !context.weights.has('lm_head.weight');
    this.lmHead = tied ? this.embedding : this.weights.get('lm_head.weight', [v, h]);
    this.norm = this.weights.get('model.norm.weight', [h]);
    const maxTokens = Math.max(options.maxNumBatchedTokens ?? DEFAULT_MAX_BATCHED_TOKENS, this.maxGraphBatch);
    const parts = build(this.weights, this.maxModelLen, maxTokens);
    this.layers = parts.layers;
    this.caches = parts.caches;
    this.buffers = new GpuStepBuffers(this.gpu.gpu, parts.stepDims, dtype, maxTokens, this.maxGraphBatch,
      kernels.device);
  }

  kvCacheBytesPerBlock(blockSize: number): number {
    return this.caches.bytesPerBlock(blockSize);
  }

  allocateKvCache(numBlocks: number, blockSize: number): void {
    this.releaseCache();
    this.caches.allocate(numBlocks, blockSize, this.buffers.dtype);
    this.inputs = new GpuStepInputBuffer(this.gpu.gpu, this.buffers.maxTokens, this.buffers.maxTokens,
      Math.ceil(this.maxModelLen / blockSize), this.weights.device);
  }

  /**
   * The experts each sparse layer routed the last step's tokens to ([sparse layer][token · k], padding rows of a
   * graph step included): for benchmarks that count the expert weights a step reads. Waits for the step.
   */
  lastStepRouting(): Int32Array[] {
    return this.buffers.readTopkIds(this.lastStepTokens);
  }

  forward(batch: ForwardBatch): Float32Array {
    const rows = batch.logitsIndices.length;
    if (rows > this.maxGraphBatch) return this.chunkedLogits(this.uploadEager(batch), rows);
    return this.download(this.run(batch), rows, 0);
  }

  /** The step's logits [logitsIndices.length, vocabSize] f32 left on the device (for device sampling), or null
   *  when they do not fit one lm_head call; valid until the next step. */
  forwardDevice(batch: ForwardBatch): DeviceTensorArg | null {
    const rows = batch.logitsIndices.length;
    if (rows > this.maxGraphBatch) return null;
    const logits = this.run(batch).logits;
    return { ...logits, shape: [rows, this.config.vocabSize] };
  }

  createDeviceSampler(maxNumSeqs: number): DeviceSampler {
    return new DeviceSampler(this.gpu, this.config.vocabSize, { maxNumSeqs, device: this.weights.device });
  }

  /** Enqueues the step (replaying a graph for a padded decode step); logits rows [0, rows) of the views are its. */
  private run(batch: ForwardBatch): GpuStepViews {
    const views = this.enqueue(batch);
    this.lastStepTokens = views.numTokens;
    return views;
  }

  private enqueue(batch: ForwardBatch): GpuStepViews {
    const n = batch.numSeqs;
    const size = batch.numTokens === n && !this.enforceEager ? graphSizeFor(n, this.maxGraphBatch) : null;
    if (size === null) {
      const inputs = this.uploadEager(batch);
      const views = this.buffers.views(batch.numTokens, batch.logitsIndices.length);
      this.compute(inputs, views);
      return views;
    }
    const inputs = this.checkedInputs().uploadPaddedDecode(batch, size, this.maxModelLen);
    const views = this.buffers.views(size, size);
    const graph = this.graphs.get(size);
    if (graph) graph.replay();
    else {
      this.compute(inputs, views);
      this.graphs.set(size, this.gpu.gpu.captureGraph(this.weights.device, () => this.compute(inputs, views)));
    }
    return views;
  }

  private uploadEager(batch: ForwardBatch): GpuStepInputs {
    let maxSeqLen = 1;
    for (const len of batch.seqLens) maxSeqLen = Math.max(maxSeqLen, len);
    return this.checkedInputs(batch).upload(batch, maxSeqLen);
  }

  private checkedInputs(batch?: ForwardBatch): GpuStepInputBuffer {
    if (!this.inputs) throw new HipserveError('engine_error', 'forward before allocateKvCache');
    if (batch && batch.numTokens > this.buffers.maxTokens) {
      throw new HipserveError('engine_error', `a step of ${batch.numTokens} tokens exceeds the ${this.buffers.maxTokens} the model was built for`);
    }
    return this.inputs;
  }

  kvCacheMemoryBudget(utilization: number): number {
    const device = this.weights.device;
    const { totalBytes, freeBytes } = this.gpu.gpu.deviceInfo(device);
    const stepBytes = this.profileStepBytes();
    // Graph capture keeps each captured size's temporaries in a private pool: reserve them with the step's.
    const budget = totalBytes * utilization - (totalBytes - freeBytes) - 2 * stepBytes;
    if (budget <= 0) {
      throw new HipserveError('invalid_request', `--gpu-memory-utilization ${utilization} leaves no memory for the KV cache ` +
        `(device total ${gib(totalBytes)}, in use ${gib(totalBytes - freeBytes)}, worst step ${gib(stepBytes)})`,
        'gpu_memory_utilization');
    }
    return budget;
  }

  dispose(): void {
    this.releaseCache();
    this.buffers.dispose();
    this.weights.dispose();
  }

  /** Enqueues the whole step: embeddings → layers → final norm → lm_head over the views' logits rows. */
  private compute(inputs: GpuStepInputs, views: GpuStepViews): void {
    this.computeHidden(inputs, views);
    this.logitsOf(inputs.logitsIndices, views);
  }

  /** Embeddings → layers → final norm: the step's normalized hidden states in views.hidden. */
  private computeHidden(inputs: GpuStepInputs, views: GpuStepViews): void {
    const ops = this.gpu.ops;
    ops.gpuEmbedding(inputs.tokenIds, this.embedding, views.residual);
    for (const layer of this.layers) layer.forward({ inputs, views });
    ops.gpuFusedAddRmsNorm(views.hidden, views.residual, this.norm, this.config.rmsNormEps);
  }

  private logitsOf(rows: GpuStepInputs['logitsIndices'], views: GpuStepViews): void {
    const ops = this.gpu.ops;
    ops.gpuEmbedding(rows, views.hidden, views.gathered);
    ops.gpuMatmul(views.gathered, this.lmHead, null, views.logits);
  }

  /** A step wanting more logits rows than one lm_head call holds (prompt logprobs): rows in chunks. */
  private chunkedLogits(inputs: GpuStepInputs, rows: number): Float32Array {
    const chunk = this.maxGraphBatch;
    this.computeHidden(inputs, this.buffers.views(inputs.numTokens, chunk));
    this.lastStepTokens = inputs.numTokens;
    this.ensureHost(rows);
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const part = this.buffers.views(inputs.numTokens, n);
      const idx = inputs.logitsIndices;
      this.logitsOf({ ...idx, shape: [n], byteOffset: (idx.byteOffset ?? 0) + start * 4 }, part);
      this.download(part, n, start);
    }
    return this.hostLogits.subarray(0, rows * this.config.vocabSize);
  }

  /** Copies logits rows [0, n) of the views into host rows [at, at + n) and returns host rows [0, at + n). */
  private download(views: GpuStepViews, n: number, at: number): Float32Array {
    const v = this.config.vocabSize;
    this.ensureHost(at + n);
    views.logits.data.download(this.hostLogits.subarray(at * v, (at + n) * v));
    return this.hostLogits.subarray(0, (at + n) * v);
  }

  private ensureHost(rows: number): void {
    const need = rows * this.config.vocabSize;
    if (this.hostLogits.length < need) this.hostLogits = new Float32Array(need);
  }

  /**
   * Temporary device memory of the largest eager step (one prefill of maxTokens tokens, through a KV cache just
   * large enough), measured by the caching allocator's peak.
   */
  private profileStepBytes(): number {
    const blockSize = 16, t = this.buffers.maxTokens;
    const seqLen = Math.min(t, this.maxModelLen);
    const numSeqs = Math.ceil(t / seqLen);
    const blocksPerSeq = Math.ceil(seqLen / blockSize);
    this.allocateKvCache(numSeqs * blocksPerSeq + 1, blockSize);
    const tokenIds = new Int32Array(t), positions = new Int32Array(t), slotMapping = new Int32Array(t);
    const queryStartLoc = new Int32Array(numSeqs + 1), seqLens = new Int32Array(numSeqs);
    const maxBlocksPerSeq = Math.ceil(this.maxModelLen / blockSize);
    const blockTables = new Int32Array(numSeqs * maxBlocksPerSeq);
    for (let b = 0; b < numSeqs; b++) {
      const start = b * seqLen, len = Math.min(seqLen, t - start);
      queryStartLoc[b + 1] = start + len;
      seqLens[b] = len;
      for (let j = 0; j < blocksPerSeq; j++) blockTables[b * maxBlocksPerSeq + j] = 1 + b * blocksPerSeq + j;
      for (let p = 0; p < len; p++) {
        positions[start + p] = p;
        slotMapping[start + p] = blockTables[b * maxBlocksPerSeq + Math.floor(p / blockSize)]! * blockSize + (p % blockSize);
      }
    }
    const logitsIndices = Int32Array.from({ length: Math.min(numSeqs, this.maxGraphBatch) }, (_, b) => queryStartLoc[b + 1]! - 1);
    const gpu = this.gpu.gpu, device = this.weights.device;
    gpu.synchronize(device);
    const before = gpu.allocatorStats(device);
    this.forward({ numTokens: t, numSeqs, tokenIds, positions, slotMapping, queryStartLoc, seqLens, blockTables,
      maxBlocksPerSeq, logitsIndices });
    gpu.synchronize(device);
    const peak = gpu.allocatorStats(device).peakAllocatedBytes - before.allocatedBytes;
    this.releaseCache();
    gpu.emptyCache();
    return Math.max(0, peak);
  }

  private releaseCache(): void {
    for (const g of this.graphs.values()) g.dispose();
    this.graphs.clear();
    this.inputs?.dispose();
    this.inputs = null;
    this.caches.release();
  }
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
