import type { BlockHash } from './block-hash.js';
import type { BlockPool } from './block-pool.js';
import type { KVCacheBlock } from './kv-cache-block.js';

const NO_IDS: readonly number[] = Object.freeze([]);

/** The part of a request the KV cache manager reads. */
export interface KVCacheRequest {
  readonly requestId: string;
  readonly numTokens: number;
  readonly numComputedTokens: number;
  /** Hashes of the request's full blocks, in order. */
  readonly blockHashes: readonly BlockHash[];
}

/** One KV-cache group's block tables: which blocks each request holds, how many of them are in the prefix cache. */
export abstract class SingleTypeManager {
  private readonly reqToBlocks = new Map<string, KVCacheBlock[]>();
  private readonly reqToBlockIds = new Map<string, number[]>();
  private readonly numCachedBlocks = new Map<string, number>();

  constructor(
    protected readonly pool: BlockPool,
    protected readonly blockSize: number,
    readonly groupId: number,
  ) {}

  /** Prefix-cache hit for `blockHashes`, at most `maxLength` tokens; a whole number of blocks. */
  abstract findLongestCacheHit(blockHashes: readonly BlockHash[], maxLength: number): KVCacheBlock[];

  /** Releases blocks the request will never read again (sliding window); a no-op for full attention. */
  removeSkippedBlocks(_requestId: string, _numComputedTokens: number): void {}

  /** Free blocks needed to hold `numTokens` tokens after adopting `newComputedBlocks`. */
  numBlocksToAllocate(requestId: string, numTokens: number, newComputedBlocks: readonly KVCacheBlock[]): number {
    const held = (this.reqToBlocks.get(requestId)?.length ?? 0) + newComputedBlocks.length;
    const fresh = Math.max(0, Math.ceil(numTokens / this.blockSize) - held);
    // Reviving a free cached block takes it out of the free pool too.
    let revived = 0;
    for (const block of newComputedBlocks) if (block.refCnt === 0 && !block.isNull) revived++;
    return fresh + revived;
  }

  /** Appends prefix-cache hits (already touched) to a request's table. */
  saveNewComputedBlocks(requestId: string, blocks: readonly KVCacheBlock[]): void {
    if (blocks.length === 0) return;
    this.push(requestId, blocks);
    this.numCachedBlocks.set(requestId, this.table(requestId).length);
  }

  allocateNewBlocks(requestId: string, numTokens: number): KVCacheBlock[] {
    const needed = Math.ceil(numTokens / this.blockSize) - (this.reqToBlocks.get(requestId)?.length ?? 0);
    if (needed <= 0) return [];
    const blocks = this.pool.getNewBlocks(needed);
    this.push(requestId, blocks);
    return blocks;
  }

  /** Registers the request's blocks that are full once its first `numTokens` tokens are computed. */
  cacheBlocks(request: KVCacheRequest, numTokens: number): void {
    const numFull = Math.floor(numTokens / this.blockSize);
    const numCached = this.numCachedBlocks.get(request.requestId) ?? 0;
    if (numFull <= numCached) return;
    this.pool.cacheFullBlocks(request.blockHashes, this.table(request.requestId), numCached, numFull, this.groupId);
    this.numCachedBlocks.set(request.requestId, numFull);
  }

  /** Returns every block of the request to the pool, tail first so that prefixes outlive suffixes in the cache. */
  free(requestId: string): void {
    const blocks = this.reqToBlocks.get(requestId);
    if (blocks) this.pool.freeBlocks(blocks.reverse());
    this.reqToBlocks.delete(requestId);
    this.reqToBlockIds.delete(requestId);
    this.numCachedBlocks.delete(requestId);
  }

  blocks(requestId: string): readonly KVCacheBlock[] {
    return this.reqToBlocks.get(requestId) ?? [];
  }

  /** The request's block table; the same array grows in place as blocks are added. */
  blockIds(requestId: string): readonly number[] {
    return this.reqToBlockIds.get(requestId) ?? NO_IDS;
  }

  requestIds(): IterableIterator<string> {
    return this.reqToBlocks.keys();
  }

  /** Replaces block `index` of a request's table with the null block and returns the block it held. */
  protected replaceWithNull(requestId: string, index: number): KVCacheBlock {
    const table = this.table(requestId);
    const old = table[index]!;
    table[index] = this.pool.nullBlock;
    this.reqToBlockIds.get(requestId)![index] = this.pool.nullBlock.blockId;
    return old;
  }

  protected table(requestId: string): KVCacheBlock[] {
    return this.reqToBlocks.get(requestId) ?? [];
  }

  private push(requestId: string, blocks: readonly KVCacheBlock[]): void {
    let table = this.reqToBlocks.get(requestId);
    let ids = this.reqToBlockIds.get(requestId);
    if (!table || !ids) {
      this.reqToBlocks.set(requestId, (table = []));
      this.reqToBlockIds.set(requestId, (ids = []));
    }
    for (const block of blocks) {
      table.push(block);
      ids.push(block.blockId);
    }
  }
}
