import { KVCacheBlock } from './kv-cache-block.js';

/**
 * A doubly linked list of free blocks threaded through the blocks themselves, so a block in the middle can be
 * removed in O(1) when a prefix-cache hit revives it. Popped from the head (least recently freed), appended at
 * the tail.
 *
 *   head <-> b7 <-> b2 <-> b9 <-> tail      (sentinels at both ends)
 */
export class FreeBlockQueue {
  private readonly head = new KVCacheBlock(-1);
  private readonly tail = new KVCacheBlock(-1);
  private count = 0;

  constructor(blocks: Iterable<KVCacheBlock> = []) {
    this.head.nextFree = this.tail;
    this.tail.prevFree = this.head;
    for (const block of blocks) this.append(block);
  }

  get length(): number {
    return this.count;
  }

  popLeft(): KVCacheBlock | null {
    const first = this.head.nextFree!;
    if (first === this.tail) return null;
    this.remove(first);
    return first;
  }

  remove(block: KVCacheBlock): void {
    const prev = block.prevFree, next = block.nextFree;
    if (prev === null || next === null) throw new Error(`block ${block.blockId} is not in this free queue`);
    prev.nextFree = next;
    next.prevFree = prev;
    block.prevFree = block.nextFree = null;
    this.count--;
  }

  append(block: KVCacheBlock): void {
    if (block.prevFree !== null || block.nextFree !== null) throw new Error(`block ${block.blockId} is already queued`);
    const last = this.tail.prevFree!;
    last.nextFree = block;
    block.prevFree = last;
    block.nextFree = this.tail;
    this.tail.prevFree = block;
    this.count++;
  }

  *[Symbol.iterator](): IterableIterator<KVCacheBlock> {
    for (let b = this.head.nextFree!; b !== this.tail; b = b.nextFree!) yield b;
  }
}
