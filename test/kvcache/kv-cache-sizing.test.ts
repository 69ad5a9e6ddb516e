import { describe, expect, it } from 'vitest';

import { checkKVCacheHoldsOneSequence, numBlocksForBudget } from '../../src/kvcache/kv-cache-sizing.js';

describe('KV cache sizing', () => {
  it('takes the override, else as many blocks as the memory holds', () => {
    expect(numBlocksForBudget(1000, { numBlocksOverride: 7, memoryBytes: 1e9 })).toBe(7);
    expect(numBlocksForBudget(1000, { memoryBytes: 10_999 })).toBe(10);
  });

  it('rejects budgets too small to serve with an invalid_request naming the option', () => {
    expect(() => numBlocksForBudget(1000, { memoryBytes: 1500 })).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'kv_cache_memory' }));
    expect(() => numBlocksForBudget(1000, { numBlocksOverride: 1 })).toThrow(expect.objectContaining({ param: 'num_gpu_blocks_override' }));
    expect(() => checkKVCacheHoldsOneSequence(4, 16, 64)).toThrow(expect.objectContaining({ param: 'max_model_len' }));
    expect(() => checkKVCacheHoldsOneSequence(5, 16, 64)).not.toThrow();
  });
});
