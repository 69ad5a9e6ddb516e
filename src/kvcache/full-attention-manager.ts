import type { BlockHash } from './block-hash.js';
import type { KVCacheBlock } from './kv-cache-block.js';
import { SingleTypeManager } from './single-type-manager.js';

/** Full attention (and MLA): a cache hit is the longest run of cached blocks from the start. */
export class FullAttentionManager extends SingleTypeManager {
  override findLongestCacheHit(blockHashes: readonly BlockHash[], maxLength: number): KVCacheBlock[] {
    const hit: KVCacheBlock[] = [];
    const maxBlocks = Math.min(blockHashes.length, Math.floor(maxLength / this.blockSize));
    for (let i = 0; i < maxBlocks; i++) {
      const block = this.pool.getCachedBlock(blockHashes[i]!, this.groupId);
      if (block === null) break;
      hit.push(block);
    }
    return hit;
  }
}
