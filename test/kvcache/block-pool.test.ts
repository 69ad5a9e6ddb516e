import { describe, expect, it } from 'vitest';

import { BlockPool } from '../../src/kvcache/block-pool.js';

describe('BlockPool', () => {
  it('keeps block 0 as the null block and hands out the rest with refCnt 1', () => {
    const pool = new BlockPool(5, true);
    expect(pool.numFreeBlocks).toBe(4);
    const blocks = pool.getNewBlocks(4);
    expect(blocks.map((b) => b.blockId).sort()).toEqual([1, 2, 3, 4]);
    expect(blocks.every((b) => b.refCnt === 1)).toBe(true);
    expect(pool.usage).toBe(1);
    expect(() => pool.getNewBlocks(1)).toThrow(RangeError);
  });

  it('evicts cached blocks only when no fresh block is left, least recently freed first', () => {
    const pool = new BlockPool(5, true);
    const [a, b] = pool.getNewBlocks(2);
    pool.cacheFullBlocks(['ha', 'hb'], [a!, b!], 0, 2, 0);
    pool.freeBlocks([b!, a!]);
    expect(pool.getCachedBlock('ha', 0)).toBe(a);
    const fresh = pool.getNewBlocks(2);
    expect(fresh).not.toContain(a);
    expect(fresh).not.toContain(b);
    expect(pool.numCachedBlocks).toBe(2);
    const [evicted] = pool.getNewBlocks(1);
    expect(evicted).toBe(b);
    expect(pool.getCachedBlock('hb', 0)).toBeNull();
    expect(pool.getCachedBlock('ha', 0)).toBe(a);
  });

  it('revives a free cached block on touch and counts references', () => {
    const pool = new BlockPool(3, true);
    const [a] = pool.getNewBlocks(1);
    pool.cacheFullBlocks(['h'], [a!], 0, 1, 0);
    pool.freeBlocks([a!]);
    expect(pool.numFreeBlocks).toBe(2);
    pool.touch([a!]);
    pool.touch([a!]);
    expect(a!.refCnt).toBe(2);
    expect(pool.numFreeBlocks).toBe(1);
    pool.freeBlocks([a!]);
    expect(pool.numFreeBlocks).toBe(1);
    pool.freeBlocks([a!]);
    expect(pool.numFreeBlocks).toBe(2);
    expect(() => pool.freeBlocks([a!])).toThrow(/freed twice/);
  });

  it('keys cached blocks by group and keeps the first of two twins', () => {
    const pool = new BlockPool(4, true);
    const [a, b] = pool.getNewBlocks(2);
    pool.cacheFullBlocks(['h'], [a!], 0, 1, 0);
    pool.cacheFullBlocks(['h'], [b!], 0, 1, 0);
    expect(pool.getCachedBlock('h', 0)).toBe(a);
    expect(b!.blockHash).toBeNull();
    expect(pool.getCachedBlock('h', 1)).toBeNull();
  });

  it('resets the prefix cache only while no block is held', () => {
    const pool = new BlockPool(3, true);
    const [a] = pool.getNewBlocks(1);
    pool.cacheFullBlocks(['h'], [a!], 0, 1, 0);
    expect(pool.resetPrefixCache()).toBe(false);
    pool.freeBlocks([a!]);
    expect(pool.resetPrefixCache()).toBe(true);
    expect(pool.getCachedBlock('h', 0)).toBeNull();
    expect(a!.blockHash).toBeNull();
  });

  it('caches nothing when prefix caching is off', () => {
    const pool = new BlockPool(3, false);
    const [a] = pool.getNewBlocks(1);
    pool.cacheFullBlocks(['h'], [a!], 0, 1, 0);
    expect(pool.getCachedBlock('h', 0)).toBeNull();
  });
});
