import type { DeviceTensorArg } from '../../bindings/gpu.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { SampleResult } from '../sampling/sampler.js';
import type { SamplingRow } from '../sampling/sampling-row.js';

/** Samples rows [0, rows.length) of device logits; only token ids and requested logprobs reach the host. */
export interface DeviceLogitsSampler {
  sample(logits: DeviceTensorArg, rows: readonly SamplingRow[]): SampleResult[];
  dispose(): void;
}

/**
 * The model runner's input for one step, built from a SchedulerOutput in preallocated buffers.
 * Sequence b owns tokens [queryStartLoc[b], queryStartLoc[b+1]); they are the last tokens of its seqLens[b]
 * tokens of context. Block b's table is blockTables[b * maxBlocksPerSeq, (b + 1) * maxBlocksPerSeq).
 */
export interface ForwardBatch {
  readonly numTokens: number;
  readonly numSeqs: number;
  readonly tokenIds: Int32Array;
  readonly positions: Int32Array;
  /** Cache slot (block * blockSize + offset) each token's K/V is written to; negative skips. */
  readonly slotMapping: Int32Array;
  readonly queryStartLoc: Int32Array;
  readonly seqLens: Int32Array;
  readonly blockTables: Int32Array;
  readonly maxBlocksPerSeq: number;
  /** Rows of the step whose logits are wanted (the last token of each sequence, or more for prompt logprobs). */
  readonly logitsIndices: Int32Array;
}

/** A causal language model that owns its weights and its paged KV cache. */
export interface CausalLM {
  readonly config: ModelConfig;
  /** Bytes of KV cache one block of `blockSize` tokens needs across all layers. */
  kvCacheBytesPerBlock(blockSize: number): number;
  /** (Re)allocates the paged KV cache; must be called before forward. */
  allocateKvCache(numBlocks: number, blockSize: number): void;
  /** Returns logits [logitsIndices.length, vocabSize], row-major. */
  forward(batch: ForwardBatch): Float32Array;
  /**
   * Device models: bytes the KV cache may take so that the process uses at most `utilization` of the device's
   * memory, after the weights and a profiled worst-case step (`--gpu-memory-utilization`). Absent on the CPU.
   */
  kvCacheMemoryBudget?(utilization: number): number;
  /**
   * Device models: the forward pass leaving logits [logitsIndices.length, vocabSize] f32 on the device, valid until
   * the next step, or null when they cannot stay there (forward then serves the step).
   */
  forwardDevice?(batch: ForwardBatch): DeviceTensorArg | null;
  /** Device models: a sampler over forwardDevice's logits, for steps of up to maxNumSeqs rows. */
  createDeviceSampler?(maxNumSeqs: number): DeviceLogitsSampler;
  dispose(): void;
}
