import type { ForwardBatch } from '../../src/models/forward-batch.js';
import { rng } from '../helpers/random.js';

/** A test's stand-in for the scheduler: sequences in a paged KV cache, with batches built the simplest way. */
export class PagedSequences {
  private readonly freeBlocks: number[];
  private readonly seqs = new Map<number, { tokens: number[]; numComputed: number; blockTable: number[] }>();

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
    readonly maxBlocksPerSeq: number,
  ) {
    // Hand blocks out in a shuffled order so that a sequence's blocks are not contiguous.
    this.freeBlocks = Array.from({ length: numBlocks }, (_, i) => i);
    const random = rng(numBlocks);
    for (let i = numBlocks - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [this.freeBlocks[i], this.freeBlocks[j]] = [this.freeBlocks[j]!, this.freeBlocks[i]!];
    }
  }

  add(id: number, prompt: readonly number[]): void {
    this.seqs.set(id, { tokens: [...prompt], numComputed: 0, blockTable: [] });
  }

  append(id: number, token: number): void {
    this.seq(id).tokens.push(token);
  }

  tokens(id: number): number[] {
    return this.seq(id).tokens;
  }

  pending(id: number): number {
    const s = this.seq(id);
    return s.tokens.length - s.numComputed;
  }

  /** One step computing the next `count` uncomputed tokens of each listed sequence; marks them computed. */
  step(chunks: ReadonlyArray<{ id: number; count: number }>): ForwardBatch {
    const numTokens = chunks.reduce((n, c) => n + c.count, 0);
    const tokenIds = new Int32Array(numTokens);
    const positions = new Int32Array(numTokens);
    const slotMapping = new Int32Array(numTokens);
    const queryStartLoc = new Int32Array(chunks.length + 1);
    const seqLens = new Int32Array(chunks.length);
    const blockTables = new Int32Array(chunks.length * this.maxBlocksPerSeq);
    const logitsIndices = new Int32Array(chunks.length);
    let t = 0;
    chunks.forEach(({ id, count }, b) => {
      const s = this.seq(id);
      if (count < 1 || s.numComputed + count > s.tokens.length) throw new Error(`bad chunk for sequence ${id}`);
      for (let i = 0; i < count; i++, t++) {
        const pos = s.numComputed + i;
        while (s.blockTable.length * this.blockSize <= pos) s.blockTable.push(this.takeBlock());
        tokenIds[t] = s.tokens[pos]!;
        positions[t] = pos;
        slotMapping[t] = s.blockTable[Math.floor(pos / this.blockSize)]! * this.blockSize + (pos % this.blockSize);
      }
      s.numComputed += count;
      queryStartLoc[b + 1] = t;
      seqLens[b] = s.numComputed;
      blockTables.set(s.blockTable, b * this.maxBlocksPerSeq);
      logitsIndices[b] = t - 1;
    });
    return { numTokens, numSeqs: chunks.length, tokenIds, positions, slotMapping, queryStartLoc, seqLens, blockTables,
      maxBlocksPerSeq: this.maxBlocksPerSeq, logitsIndices };
  }

  private seq(id: number) {
    const s = this.seqs.get(id);
    if (!s) throw new Error(`no sequence ${id}`);
    return s;
  }

  private takeBlock(): number {
    const block = this.freeBlocks.pop();
    if (block === undefined) throw new Error('out of KV blocks');
    return block;
  }
}

/** Index of the largest value (the first on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}
