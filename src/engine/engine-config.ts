import { checkKVCacheHoldsOneSequence, numBlocksForBudget } from '../kvcache/kv-cache-sizing.js';
import { DEFAULT_BLOCK_SIZE } from '../kvcache/kv-cache-spec.js';
import type { SchedulingPolicy } from './request-queue.js';

/** Engine options as the CLI and tests give them; `resolveEngineConfig` fills defaults. */
export interface EngineOptions {
  blockSize?: number;
  /** `--kv-cache-memory` in bytes (default 4 GiB, capped at what maxNumSeqs full sequences need). */
  kvCacheMemoryBytes?: number | null;
  /** `--gpu-memory-utilization` (GPU models; default 0.9): the KV cache takes what the rest leaves of it. */
  gpuMemoryUtilization?: number;
  /** `--enforce-eager`: GPU models capture no graphs. */
  enforceEager?: boolean;
  /** `--num-gpu-blocks-override`. */
  numGpuBlocksOverride?: number | null;
  /** `--max-num-batched-tokens` (default 2048). */
  maxNumBatchedTokens?: number;
  /** `--max-num-seqs` (default 256). */
  maxNumSeqs?: number;
  /** Default: the model's max_position_embeddings. */
  maxModelLen?: number;
  /** Default true. */
  enablePrefixCaching?: boolean;
  enableChunkedPrefill?: boolean;
  longPrefillTokenThreshold?: number;
  policy?: SchedulingPolicy;
}

export interface EngineConfig {
  readonly blockSize: number;
  readonly numBlocks: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly maxModelLen: number;
  readonly enablePrefixCaching: boolean;
  readonly enableChunkedPrefill: boolean;
  readonly longPrefillTokenThreshold: number;
  readonly policy: SchedulingPolicy;
}

const DEFAULT_KV_CACHE_MEMORY = 4 * 2 ** 30;

/** Resolves options against the model: KV-cache blocks from the budget, checked to hold one full-length request. */
export function resolveEngineConfig(options: EngineOptions, model: {
  maxPositionEmbeddings: number;
  kvCacheBytesPerBlock(blockSize: number): number;
  /** Device models: the KV-cache budget at a memory utilization (see CausalLM.kvCacheMemoryBudget). */
  kvCacheMemoryBudget?(utilization: number): number;
}): EngineConfig {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const maxModelLen = options.maxModelLen ?? model.maxPositionEmbeddings;
  const maxNumSeqs = options.maxNumSeqs ?? 256;
  const deviceBudget = options.kvCacheMemoryBytes == null && options.numGpuBlocksOverride == null &&
    model.kvCacheMemoryBudget ? model.kvCacheMemoryBudget(options.gpuMemoryUtilization ?? 0.9) : null;
  let numBlocks = numBlocksForBudget(model.kvCacheBytesPerBlock(blockSize), {
    numBlocksOverride: options.numGpuBlocksOverride,
    memoryBytes: options.kvCacheMemoryBytes ?? deviceBudget ?? DEFAULT_KV_CACHE_MEMORY,
  });
  if (options.numGpuBlocksOverride == null && options.kvCacheMemoryBytes == null) {
    numBlocks = Math.min(numBlocks, maxNumSeqs * Math.ceil(maxModelLen / blockSize) + 1);
  }
  checkKVCacheHoldsOneSequence(numBlocks, blockSize, maxModelLen);
  return {
    blockSize,
    numBlocks,
    maxNumBatchedTokens: options.maxNumBatchedTokens ?? 2048,
    maxNumSeqs,
    maxModelLen,
    enablePrefixCaching: options.enablePrefixCaching ?? true,
    enableChunkedPrefill: options.enableChunkedPrefill ?? true,
    longPrefillTokenThreshold: options.longPrefillTokenThreshold ?? 0,
    policy: options.policy ?? 'fcfs',
  };
}
