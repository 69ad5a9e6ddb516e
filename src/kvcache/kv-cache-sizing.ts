import { HipserveError } from '../errors.js';

export interface KVCacheBudget {
  /** `--num-gpu-blocks-override N`: exactly N blocks, whatever the memory. */
  numBlocksOverride?: number | null;
  /** `--kv-cache-memory` bytes (CPU), or the bytes `--gpu-memory-utilization` leaves for the cache (GPU). */
  memoryBytes?: number | null;
}

/** Blocks the pool gets (including the null block): the override if given, else as many as the budget holds. */
export function numBlocksForBudget(bytesPerBlock: number, budget: KVCacheBudget): number {
  if (budget.numBlocksOverride != null) {
    if (!Number.isInteger(budget.numBlocksOverride) || budget.numBlocksOverride < 2) {
      throw new HipserveError('invalid_request', `num_gpu_blocks_override must be an integer >= 2, got ${budget.numBlocksOverride}`,
        'num_gpu_blocks_override');
    }
    return budget.numBlocksOverride;
  }
  if (budget.memoryBytes == null) {
    throw new HipserveError('invalid_request', 'the KV cache needs a memory budget or a block count', 'kv_cache_memory');
  }
  if (!(bytesPerBlock > 0)) throw new RangeError(`bytes per block must be > 0, got ${bytesPerBlock}`);
  const numBlocks = Math.floor(budget.memoryBytes / bytesPerBlock);
  if (numBlocks < 2) {
    throw new HipserveError('invalid_request',
      `kv_cache_memory of ${budget.memoryBytes} bytes holds ${numBlocks} blocks of ${bytesPerBlock} bytes; at least 2 are needed`,
      'kv_cache_memory');
  }
  return numBlocks;
}

/** Throws unless one request of `maxModelLen` tokens fits in the pool's usable blocks. */
export function checkKVCacheHoldsOneSequence(numBlocks: number, blockSize: number, maxModelLen: number): void {
  const needed = Math.ceil(maxModelLen / blockSize);
  if (needed > numBlocks - 1) {
    throw new HipserveError('invalid_request',
      `the KV cache has ${numBlocks - 1} usable blocks of ${blockSize} tokens but max_model_len ${maxModelLen} needs ` +
      `${needed}: raise the KV cache memory or lower max_model_len`, 'max_model_len');
  }
}
