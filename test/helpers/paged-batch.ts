/**
 * Random paged-attention batches for kernel tests: sequences of (cached context + query chunk) whose blocks are
 * scattered through a cache filled with random data (so reading a wrong block shows), with block-table columns
 * past each sequence's blocks set to -1.
 */
import { Tensor } from '../../bindings/tensor.js';

import type { AttentionBatch, PagedKv } from './attention-reference.js';
import { randomF32, rng } from './random.js';

export interface SeqSpec {
  /** Tokens already in the cache before this step. */
  readonly context: number;
  /** Tokens of this step (1 for a decode). */
  readonly query: number;
}

export interface BatchSpec {
  readonly seqs: readonly SeqSpec[];
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headSize: number;
  readonly blockSize: number;
  readonly seed: number;
  /** Blocks no sequence uses. */
  readonly spareBlocks?: number;
  /** Block-table columns beyond the longest sequence's need. */
  readonly spareColumns?: number;
}

export interface PagedBatch {
  readonly kv: PagedKv;
  readonly batch: AttentionBatch;
  readonly numBlocks: number;
  readonly maxBlocks: number;
  readonly q: Tensor<Float32Array>;
  readonly keyCache: Tensor<Float32Array>;
  readonly valueCache: Tensor<Float32Array>;
  readonly queryStartLoc: Tensor<Int32Array>;
  readonly seqLens: Tensor<Int32Array>;
  readonly blockTables: Tensor<Int32Array>;
}

function shuffled(n: number, seed: number): number[] {
  const r = rng(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export function makePagedBatch(spec: BatchSpec): PagedBatch {
  const { numHeads, numKvHeads, headSize, blockSize, seed } = spec;
  const seqLens = spec.seqs.map((s) => s.context + s.query);
  const blocksOf = seqLens.map((n) => Math.ceil(n / blockSize));
  const numBlocks = blocksOf.reduce((a, b) => a + b, 0) + (spec.spareBlocks ?? 3);
  const maxBlocks = Math.max(1, ...blocksOf) + (spec.spareColumns ?? 2);
  const pool = shuffled(numBlocks, seed);
  const blockTables = blocksOf.map((n) => {
    const row = pool.splice(0, n);
    return [...row, ...Array<number>(maxBlocks - n).fill(-1)];
  });
  const queryStartLoc = [0];
  for (const s of spec.seqs) queryStartLoc.push(queryStartLoc[queryStartLoc.length - 1]! + s.query);
  const numTokens = queryStartLoc[queryStartLoc.length - 1]!;
  const cacheShape = [numBlocks, blockSize, numKvHeads, headSize];
  const cacheSize = numBlocks * blockSize * numKvHeads * headSize;
  const keyCache = Tensor.f32(cacheShape, randomF32(cacheSize, seed + 1));
  const valueCache = Tensor.f32(cacheShape, randomF32(cacheSize, seed + 2));
  const q = Tensor.f32([numTokens, numHeads, headSize], randomF32(numTokens * numHeads * headSize, seed + 3));
  return {
    kv: { keyCache: keyCache.data, valueCache: valueCache.data, blockSize, numKvHeads, headSize },
    batch: { q: q.data, numHeads, queryStartLoc, seqLens, blockTables },
    numBlocks,
    maxBlocks,
    q,
    keyCache,
    valueCache,
    queryStartLoc: Tensor.i32([queryStartLoc.length], queryStartLoc),
    seqLens: Tensor.i32([seqLens.length], seqLens),
    blockTables: Tensor.i32([seqLens.length, maxBlocks], blockTables.flat()),
  };
}
