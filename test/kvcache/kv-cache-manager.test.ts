import { describe, expect, it } from 'vitest';

import { appendBlockHashes } from '../../src/kvcache/block-hash.js';
import { KVCacheManager } from '../../src/kvcache/kv-cache-manager.js';
import { FULL_ATTENTION, type KVCacheSpec } from '../../src/kvcache/kv-cache-spec.js';

class Req {
  numComputedTokens = 0;
  readonly blockHashes: string[] = [];
  constructor(readonly requestId: string, readonly tokens: number[], blockSize: number) {
    appendBlockHashes(this.blockHashes, tokens, blockSize, null);
  }
  get numTokens(): number {
    return this.tokens.length;
  }
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

function manager(numBlocks: number, groups: KVCacheSpec[] = [FULL_ATTENTION], blockSize = 4): KVCacheManager {
  return new KVCacheManager({ numBlocks, blockSize, groups }, { enableCaching: true, maxModelLen: 1024 });
}

/** Schedules a whole prompt the way the scheduler admits a waiting request. */
function admit(kv: KVCacheManager, r: Req): number {
  const hit = kv.getComputedBlocks(r);
  const ok = kv.allocateSlots(r, r.numTokens - hit.numComputedTokens, hit.numComputedTokens, hit.blocks);
  if (ok === null) return -1;
  r.numComputedTokens = r.numTokens;
  return hit.numComputedTokens;
}

describe('KVCacheManager', () => {
  it('shares full prompt blocks between requests and keeps the last token to compute', () => {
    const kv = manager(20);
    const a = new Req('a', range(10), 4);
    expect(admit(kv, a)).toBe(0);
    const b = new Req('b', [...range(10), 99], 4);
    expect(admit(kv, b)).toBe(8);
    expect(kv.getBlockIds('b')[0]!.slice(0, 2)).toEqual(kv.getBlockIds('a')[0]!.slice(0, 2));
    expect(kv.getBlocks('a')[0]![0]!.refCnt).toBe(2);
    // A prompt of exactly two blocks still recomputes its last token, so only one block is a hit.
    expect(admit(kv, new Req('c', range(8), 4))).toBe(4);
  });

  it('returns null and changes nothing when the pool is short', () => {
    const kv = manager(4);
    const big = new Req('big', range(13), 4);
    expect(kv.allocateSlots(big, 13)).toBeNull();
    expect(kv.numFreeBlocks).toBe(3);
    expect(kv.requestIds().size).toBe(0);
  });

  it('serves a hit from freed blocks until they are needed, evicting the tail of a request first', () => {
    const kv = manager(5);
    const a = new Req('a', range(13), 4);
    admit(kv, a);
    kv.free('a');
    expect(kv.numFreeBlocks).toBe(4);
    expect(admit(kv, new Req('a2', range(13), 4))).toBe(12);
    kv.free('a2');
    // One fresh block left: a 3-token request takes it, then a 5-token one must evict two cached blocks, tail first.
    admit(kv, new Req('x', range(3, 100), 4));
    admit(kv, new Req('y', range(5, 200), 4));
    expect(kv.getComputedBlocks(new Req('a3', range(13), 4)).numComputedTokens).toBe(4);
  });

  it('counts a free cached hit against the free blocks it revives', () => {
    const kv = manager(4);
    admit(kv, new Req('a', range(9), 4));
    kv.free('a');
    const b = new Req('b', range(12), 4);
    const hit = kv.getComputedBlocks(b);
    expect(hit.numComputedTokens).toBe(8);
    expect(kv.allocateSlots(b, 4, hit.numComputedTokens, hit.blocks)).not.toBeNull();
    expect(kv.numFreeBlocks).toBe(0);
  });

  it('releases blocks that fall out of a sliding window and hits only on the window', () => {
    const kv = manager(30, [FULL_ATTENTION, { type: 'sliding_window', slidingWindow: 6 }]);
    const a = new Req('a', range(20), 4);
    admit(kv, a);
    expect(kv.getBlockIds('a')[1]!.length).toBe(5);
    a.tokens.push(20);
    expect(kv.allocateSlots(a, 1)).not.toBeNull();
    // 20 tokens computed: a token at position 20 reads positions 15..20, so blocks 0..2 are released.
    expect(kv.getBlockIds('a')[1]!.slice(0, 3)).toEqual([0, 0, 0]);
    expect(kv.getBlockIds('a')[0]!.includes(0)).toBe(false);
    const b = new Req('b', [...range(20), 7], 4);
    const hit = kv.getComputedBlocks(b);
    expect(hit.numComputedTokens).toBe(20);
    expect(hit.blocks[1]!.slice(0, 3).every((blk) => blk.isNull)).toBe(true);
  });

  it('reports prefix-cache statistics when asked', () => {
    const kv = manager(10);
    kv.recordPrefixCacheLookup(10, 8);
    kv.recordPrefixCacheLookup(6, 0);
    expect(kv.takePrefixCacheStats()).toEqual({ requests: 2, queries: 16, hits: 8 });
    expect(kv.takePrefixCacheStats()).toEqual({ requests: 0, queries: 0, hits: 0 });
  });
});
