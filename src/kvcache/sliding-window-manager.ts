import type { BlockHash } from './block-hash.js';
import type { BlockPool } from './block-pool.js';
import type { KVCacheBlock } from './kv-cache-block.js';
import { SingleTypeManager } from './single-type-manager.js';

/**
 * Sliding-window attention: a token at position p reads positions > p - slidingWindow, so blocks wholly before the
 * window are returned to the pool and their table entries become the null block.
 *
 *   window of 40, blockSize 16, 70 tokens computed:  [null][null][b2][b3][b4]   (tokens 31.. are still read)
 */
export class SlidingWindowManager extends SingleTypeManager {
  constructor(pool: BlockPool, blockSize: number, groupId: number, private readonly slidingWindow: number) {
    super(pool, blockSize, groupId);
  }

  /** A hit only needs the blocks covering the window before its end: earlier ones are filled with the null block. */
  override findLongestCacheHit(blockHashes: readonly BlockHash[], maxLength: number): KVCacheBlock[] {
    const needed = Math.ceil((this.slidingWindow - 1) / this.blockSize);
    const maxBlocks = Math.min(blockHashes.length, Math.floor(maxLength / this.blockSize));
    const hit: KVCacheBlock[] = new Array<KVCacheBlock>(maxBlocks).fill(this.pool.nullBlock);
    if (needed === 0) return hit;
    let run = 0;
    for (let i = maxBlocks - 1; i >= 0; i--) {
      const block = this.pool.getCachedBlock(blockHashes[i]!, this.groupId);
      if (block === null) {
        run = 0;
        continue;
      }
      hit[i] = block;
      if (++run >= needed) return hit.slice(0, i + run);
    }
    // No run of `needed` blocks: only a run starting at block 0 is usable.
    return hit.slice(0, run);
  }

  override removeSkippedBlocks(requestId: string, numComputedTokens: number): void {
    const firstUsefulBlock = Math.floor(Math.max(0, numComputedTokens - this.slidingWindow + 1) / this.blockSize);
    const table = this.blocks(requestId);
    const removed: KVCacheBlock[] = [];
    for (let i = Math.min(firstUsefulBlock, table.length) - 1; i >= 0; i--) {
      if (table[i]!.isNull) break;
      removed.push(this.replaceWithNull(requestId, i));
    }
    this.pool.freeBlocks(removed);
  }
}
