import { rng } from '../../helpers/random.js';

/** Block tables of a paged cache: each sequence's blocks scattered through it, -1 past its last block. */
export interface ScatteredBlocks {
  /** Every sequence's blocks plus two that none uses. */
  numBlocks: number;
  maxBlocks: number;
  blockTables: Int32Array; // [B, maxBlocks]
}

/** Blocks for `seqLens` tokens, shuffled by `seed`, so a kernel that reads the wrong block shows. */
export function scatteredBlocks(seqLens: readonly number[], blockSize: number, seed: number,
  maxBlocks?: number): ScatteredBlocks {
  const blocksOf = seqLens.map((n) => Math.ceil(n / blockSize));
  const numBlocks = blocksOf.reduce((a, b) => a + b, 0) + 2;
  const columns = maxBlocks ?? Math.max(...blocksOf) + 1;
  const r = rng(seed);
  const free = Array.from({ length: numBlocks }, (_, i) => i);
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [free[i], free[j]] = [free[j]!, free[i]!];
  }
  const blockTables = new Int32Array(seqLens.length * columns).fill(-1);
  blocksOf.forEach((n, b) => blockTables.set(free.splice(0, n), b * columns));
  return { numBlocks, maxBlocks: columns, blockTables };
}
