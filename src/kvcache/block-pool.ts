import { blockHashKey, type BlockHash, type BlockHashKey } from './block-hash.js';
import { FreeBlockQueue } from './free-block-queue.js';
import { KVCacheBlock } from './kv-cache-block.js';

/**
 * Owns every block: reference counts, the free queues and the prefix cache (hash -> block).
 * Block 0 is the null block (a placeholder in block tables, never allocated), so `numBlocks - 1` are usable.
 *
 * A block with refCnt 0 is free and sits in exactly one queue:
 *   fresh      holds nothing reusable; handed out first
 *   evictable  still cached (has a hash); handed out, least recently freed first, only when `fresh` is empty
 * A prefix-cache hit on an evictable block takes it out of `evictable` (touch) without losing its contents.
 */
export class BlockPool {
  readonly blocks: readonly KVCacheBlock[];
  readonly nullBlock: KVCacheBlock;
  private readonly fresh: FreeBlockQueue;
  private readonly evictable = new FreeBlockQueue();
  private readonly cached = new Map<BlockHashKey, KVCacheBlock>();

  constructor(readonly numBlocks: number, readonly enableCaching: boolean) {
    if (!Number.isInteger(numBlocks) || numBlocks < 2) throw new RangeError(`a block pool needs >= 2 blocks, got ${numBlocks}`);
    const blocks = Array.from({ length: numBlocks }, (_, i) => new KVCacheBlock(i, i === 0));
    this.blocks = blocks;
    this.nullBlock = blocks[0]!;
    this.fresh = new FreeBlockQueue(blocks.slice(1));
  }

  get numUsableBlocks(): number {
    return this.numBlocks - 1;
  }

  get numFreeBlocks(): number {
    return this.fresh.length + this.evictable.length;
  }

  get numCachedBlocks(): number {
    return this.cached.size;
  }

  /** Fraction of usable blocks held by requests (cached-but-free blocks count as free). */
  get usage(): number {
    return 1 - this.numFreeBlocks / this.numUsableBlocks;
  }

  getCachedBlock(hash: BlockHash, groupId: number): KVCacheBlock | null {
    return this.cached.get(blockHashKey(hash, groupId)) ?? null;
  }

  /** Registers blocks [numCachedBlocks, numFullBlocks) of a request, whose hashes are `blockHashes[i]`. */
  cacheFullBlocks(blockHashes: readonly BlockHash[], blocks: readonly KVCacheBlock[], numCachedBlocks: number,
    numFullBlocks: number, groupId: number): void {
    if (!this.enableCaching) return;
    for (let i = numCachedBlocks; i < numFullBlocks; i++) {
      const block = blocks[i]!;
      if (block.isNull || block.blockHash !== null) continue;
      const hash = blockHashes[i];
      if (hash === undefined) throw new Error(`block ${i} is full but has no hash`);
      const key = blockHashKey(hash, groupId);
      // A twin computed independently stays uncached: the first copy serves later hits.
      if (this.cached.has(key)) continue;
      block.blockHash = key;
      this.cached.set(key, block);
    }
  }

  /** Takes `n` free blocks (evicting cached ones only when no fresh block is left), each with refCnt 1. */
  getNewBlocks(n: number): KVCacheBlock[] {
    if (n > this.numFreeBlocks) throw new RangeError(`cannot get ${n} blocks, ${this.numFreeBlocks} are free`);
    const out: KVCacheBlock[] = [];
    for (let i = 0; i < n; i++) {
      const block = this.fresh.popLeft() ?? this.evictable.popLeft()!;
      if (block.blockHash !== null) {
        this.cached.delete(block.blockHash);
        block.blockHash = null;
      }
      block.refCnt = 1;
      out.push(block);
    }
    return out;
  }

  /** Adds a reference to each block (prefix-cache hits), reviving free ones. */
  touch(blocks: readonly KVCacheBlock[]): void {
    for (const block of blocks) {
      if (block.isNull) continue;
      if (block.refCnt === 0) this.evictable.remove(block);
      block.refCnt++;
    }
  }

  /** Drops a reference from each block; those reaching 0 become free in the given order (first = evicted first). */
  freeBlocks(ordered: Iterable<KVCacheBlock>): void {
    for (const block of ordered) {
      if (block.isNull) continue;
      if (block.refCnt <= 0) throw new Error(`block ${block.blockId} freed twice`);
      if (--block.refCnt === 0) (block.blockHash !== null ? this.evictable : this.fresh).append(block);
    }
  }

  /** Forgets every cached hash; only possible while no request holds a block. */
  resetPrefixCache(): boolean {
    if (this.numFreeBlocks !== this.numUsableBlocks) return false;
    for (let block = this.evictable.popLeft(); block !== null; block = this.evictable.popLeft()) {
      block.blockHash = null;
      this.fresh.append(block);
    }
    this.cached.clear();
    return true;
  }

  /** Free blocks, fresh ones first, then evictable ones in eviction order (for tests and diagnostics). */
  *freeQueueBlocks(): IterableIterator<KVCacheBlock> {
    yield* this.fresh;
    yield* this.evictable;
  }

  cachedEntries(): IterableIterator<[BlockHashKey, KVCacheBlock]> {
    return this.cached.entries();
  }
}
