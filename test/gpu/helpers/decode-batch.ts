/**
 * A random decode batch over a paged KV cache: one query per sequence, blocks scattered through a cache of
 * random values (so a wrong block shows), block-table columns past each sequence's blocks set to -1. Values are
 * rounded to the half type, so the GPU and the CPU reference see the same numbers.
 */
import { Tensor } from '../../../bindings/tensor.js';
import { randomF32 } from '../../helpers/random.js';
import { cpu, roundHalf, type HalfDType } from './gpu.js';
import { scatteredBlocks } from './scattered-blocks.js';

export interface DecodeSpec {
  dtype: HalfDType;
  seqLens: readonly number[];
  numHeads: number;
  numKvHeads: number;
  headSize: number;
  blockSize: number;
  seed: number;
  /** block-table columns (default: one more than the longest sequence needs) */
  maxBlocks?: number;
}

export interface DecodeBatch {
  q: Float32Array; // [B, Hq, D]
  keyCache: Float32Array; // [numBlocks, blockSize, Hk, D]
  valueCache: Float32Array;
  cacheShape: number[];
  blockTables: Int32Array; // [B, maxBlocks]
  maxBlocks: number;
}

export function makeDecodeBatch(s: DecodeSpec): DecodeBatch {
  const { numBlocks, maxBlocks, blockTables } = scatteredBlocks(s.seqLens, s.blockSize, s.seed, s.maxBlocks);
  const cacheShape = [numBlocks, s.blockSize, s.numKvHeads, s.headSize];
  const cacheSize = numBlocks * s.blockSize * s.numKvHeads * s.headSize;
  return {
    q: roundHalf(s.dtype, randomF32(s.seqLens.length * s.numHeads * s.headSize, s.seed + 1, 2)),
    keyCache: roundHalf(s.dtype, randomF32(cacheSize, s.seed + 2, 2)),
    valueCache: roundHalf(s.dtype, randomF32(cacheSize, s.seed + 3)),
    cacheShape,
    blockTables,
    maxBlocks,
  };
}

export interface DecodeOptions {
  scale: number;
  slidingWindow?: number;
  softcap?: number;
  sinks?: Float32Array;
}

/** The CPU kernel's answer for the batch (each sequence a one-token chunk of pagedAttention). */
export function cpuDecode(s: DecodeSpec, b: DecodeBatch, o: DecodeOptions): Float32Array {
  const n = s.seqLens.length;
  const out = Tensor.f32([n, s.numHeads, s.headSize]);
  cpu.pagedAttention(
    Tensor.f32([n, s.numHeads, s.headSize], b.q), Tensor.f32(b.cacheShape, b.keyCache), Tensor.f32(b.cacheShape, b.valueCache),
    Tensor.i32([n + 1], Array.from({ length: n + 1 }, (_, i) => i)), Tensor.i32([n], s.seqLens),
    Tensor.i32([n, b.maxBlocks], b.blockTables),
    { scale: o.scale, slidingWindow: o.slidingWindow, softcap: o.softcap, sinks: o.sinks ? Tensor.f32([s.numHeads], o.sinks) : undefined },
    out,
  );
  return out.data;
}
