import { describe, expect, it } from 'vitest';

import { FreeBlockQueue } from '../../src/kvcache/free-block-queue.js';
import { KVCacheBlock } from '../../src/kvcache/kv-cache-block.js';

const ids = (q: FreeBlockQueue): number[] => [...q].map((b) => b.blockId);

describe('FreeBlockQueue', () => {
  it('pops in append order and removes from the middle in place', () => {
    const blocks = [0, 1, 2, 3, 4].map((i) => new KVCacheBlock(i));
    const q = new FreeBlockQueue(blocks);
    q.remove(blocks[2]!);
    expect(ids(q)).toEqual([0, 1, 3, 4]);
    expect(q.popLeft()!.blockId).toBe(0);
    q.append(blocks[2]!);
    expect(ids(q)).toEqual([1, 3, 4, 2]);
    expect(q.length).toBe(4);
  });

  it('refuses to queue a block twice or remove one it does not hold', () => {
    const b = new KVCacheBlock(7);
    const q = new FreeBlockQueue([b]);
    expect(() => q.append(b)).toThrow(/already queued/);
    q.remove(b);
    expect(() => q.remove(b)).toThrow(/not in this free queue/);
    expect(q.popLeft()).toBeNull();
  });
});
