import type { BlockHashKey } from './block-hash.js';

/**
 * One block of `blockSize` token slots in the paged KV cache: bookkeeping only, never device memory.
 * `prevFree`/`nextFree` link it into a FreeBlockQueue while its reference count is 0.
 */
export class KVCacheBlock {
  refCnt = 0;
  /** Set while the block is full and registered in the prefix cache. */
  blockHash: BlockHashKey | null = null;
  prevFree: KVCacheBlock | null = null;
  nextFree: KVCacheBlock | null = null;

  constructor(
    readonly blockId: number,
    /** The placeholder block that stands for slots a sliding window no longer needs. */
    readonly isNull = false,
  ) {}
}
