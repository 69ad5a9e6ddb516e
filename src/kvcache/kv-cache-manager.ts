import { BlockPool } from './block-pool.js';
import { FullAttentionManager } from './full-attention-manager.js';
import type { KVCacheBlock } from './kv-cache-block.js';
import type { KVCacheConfig, KVCacheSpec } from './kv-cache-spec.js';
import type { KVCacheRequest, SingleTypeManager } from './single-type-manager.js';
import { SlidingWindowManager } from './sliding-window-manager.js';

/** Blocks per KV-cache group, in group order. */
export type KVCacheBlocks = readonly (readonly KVCacheBlock[])[];

export interface ComputedBlocks {
  readonly blocks: KVCacheBlocks;
  readonly numComputedTokens: number;
}

export interface PrefixCacheStats {
  /** Requests looked up, tokens they asked for, and tokens found in the cache. */
  requests: number;
  queries: number;
  hits: number;
}

export interface KVCacheManagerOptions {
  enableCaching: boolean;
  maxModelLen: number;
}

/**
 * Block accounting for every request across the KV-cache groups, over one shared BlockPool.
 * Check before acting: `allocateSlots` returns null, changing nothing, when the pool cannot cover the request.
 */
export class KVCacheManager {
  readonly pool: BlockPool;
  readonly blockSize: number;
  private readonly managers: readonly SingleTypeManager[];
  private readonly empty: ComputedBlocks;
  private stats: PrefixCacheStats = { requests: 0, queries: 0, hits: 0 };

  constructor(readonly config: KVCacheConfig, readonly options: KVCacheManagerOptions) {
    if (config.groups.length === 0) throw new RangeError('a KV cache needs at least one group');
    this.blockSize = config.blockSize;
    this.pool = new BlockPool(config.numBlocks, options.enableCaching);
    this.managers = config.groups.map((spec, g) => makeManager(spec, this.pool, config.blockSize, g));
    this.empty = { blocks: config.groups.map(() => []), numComputedTokens: 0 };
  }

  get numFreeBlocks(): number {
    return this.pool.numFreeBlocks;
  }

  get usage(): number {
    return this.pool.usage;
  }

  /**
   * The request's longest cached prefix, short of its last token (whose logits must be computed). Pure: records no
   * statistics and takes no references.
   */
  getComputedBlocks(request: KVCacheRequest, skipPrefixCache = false): ComputedBlocks {
    if (!this.options.enableCaching || skipPrefixCache) return this.empty;
    // Groups may disagree (a sliding window needs its last blocks, full attention all of them): shrink to a length
    // every group can serve.
    let length = Math.floor((request.numTokens - 1) / this.blockSize) * this.blockSize;
    for (;;) {
      const blocks = this.managers.map((m) => m.findLongestCacheHit(request.blockHashes, length));
      const common = Math.min(...blocks.map((b) => b.length)) * this.blockSize;
      if (common === length) return { blocks, numComputedTokens: length };
      length = common;
    }
  }

  recordPrefixCacheLookup(numQueriedTokens: number, numHitTokens: number): void {
    this.stats.requests++;
    this.stats.queries += numQueriedTokens;
    this.stats.hits += numHitTokens;
  }

  /** Statistics since the last call. */
  takePrefixCacheStats(): PrefixCacheStats {
    const stats = this.stats;
    this.stats = { requests: 0, queries: 0, hits: 0 };
    return stats;
  }

  /**
   * Gives the request slots for `numNewTokens` more tokens after adopting `newComputedBlocks` (a prefix-cache hit
   * covering `numNewComputedTokens` tokens). Returns the newly allocated blocks per group, or null (and changes
   * nothing) when the pool is too small.
   */
  allocateSlots(request: KVCacheRequest, numNewTokens: number, numNewComputedTokens = 0,
    newComputedBlocks: KVCacheBlocks = this.empty.blocks): KVCacheBlocks | null {
    if (numNewTokens <= 0 && numNewComputedTokens === 0) throw new RangeError('allocateSlots needs tokens to allocate');
    for (const m of this.managers) m.removeSkippedBlocks(request.requestId, request.numComputedTokens);
    const numComputedTokens = request.numComputedTokens + numNewComputedTokens;
    const numTokensNeedSlot = Math.min(numComputedTokens + numNewTokens, this.options.maxModelLen);
    let needed = 0;
    for (const m of this.managers) {
      needed += m.numBlocksToAllocate(request.requestId, numTokensNeedSlot, newComputedBlocks[m.groupId]!);
    }
    if (needed > this.pool.numFreeBlocks) return null;

    for (const m of this.managers) {
      const hit = newComputedBlocks[m.groupId]!;
      if (this.options.enableCaching) this.pool.touch(hit);
      m.saveNewComputedBlocks(request.requestId, hit);
    }
    const newBlocks = this.managers.map((m) => m.allocateNewBlocks(request.requestId, numTokensNeedSlot));
    if (this.options.enableCaching) {
      // Blocks are cached as soon as they are scheduled to be full: the step that computes them runs before any
      // later request can read them (and a request later in the same batch reads them after they are written).
      const numTokensToCache = Math.min(numComputedTokens + numNewTokens, request.numTokens);
      for (const m of this.managers) m.cacheBlocks(request, numTokensToCache);
    }
    return newBlocks;
  }

  free(requestId: string): void {
    for (const m of this.managers) m.free(requestId);
  }

  /** The request's block table per group; the arrays grow in place. */
  getBlockIds(requestId: string): readonly (readonly number[])[] {
    return this.managers.map((m) => m.blockIds(requestId));
  }

  /** The request's blocks per group (for invariant checks). */
  getBlocks(requestId: string): KVCacheBlocks {
    return this.managers.map((m) => m.blocks(requestId));
  }

  /** Requests holding blocks in any group. */
  requestIds(): Set<string> {
    const ids = new Set<string>();
    for (const m of this.managers) for (const id of m.requestIds()) ids.add(id);
    return ids;
  }
}

function makeManager(spec: KVCacheSpec, pool: BlockPool, blockSize: number, groupId: number): SingleTypeManager {
  switch (spec.type) {
    case 'full_attention':
    case 'mla':
      return new FullAttentionManager(pool, blockSize, groupId);
    case 'sliding_window':
      return new SlidingWindowManager(pool, blockSize, groupId, spec.slidingWindow);
  }
}
