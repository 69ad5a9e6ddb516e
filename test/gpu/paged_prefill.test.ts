import { afterEach, describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { cpu, DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfViolation, noGpu, relativeError, roundHalf, type HalfDType } from './helpers/gpu.js';
import { scatteredBlocks } from './helpers/scattered-blocks.js';

/** A mixed batch: sequence b has queryLens[b] query tokens, the last of its seqLens[b] tokens of context. */
interface PrefillSpec {
  dtype: HalfDType;
  queryLens: readonly number[];
  seqLens: readonly number[];
  numHeads: number;
  numKvHeads: number;
  headSize: number;
  blockSize: number;
  seed: number;
}

interface PrefillOptions {
  scale: number;
  slidingWindow?: number;
  softcap?: number;
  sinks?: Float32Array;
}

interface PrefillBatch {
  numTokens: number;
  q: Float32Array; // [T, Hq, D], rounded to the half type
  keyCache: Float32Array; // [numBlocks, blockSize, Hk, D]
  valueCache: Float32Array;
  cacheShape: number[];
  queryStartLoc: Int32Array; // [B + 1]
  blockTables: Int32Array; // [B, maxBlocks], blocks scattered through the cache, -1 past each sequence's
  maxBlocks: number;
}

function makeBatch(s: PrefillSpec): PrefillBatch {
  const { numBlocks, maxBlocks, blockTables } = scatteredBlocks(s.seqLens, s.blockSize, s.seed);
  const queryStartLoc = new Int32Array(s.queryLens.length + 1);
  s.queryLens.forEach((n, b) => (queryStartLoc[b + 1] = queryStartLoc[b]! + n));
  const numTokens = queryStartLoc[s.queryLens.length]!;
  const cacheShape = [numBlocks, s.blockSize, s.numKvHeads, s.headSize];
  const cacheSize = numBlocks * s.blockSize * s.numKvHeads * s.headSize;
  return {
    numTokens,
    q: roundHalf(s.dtype, randomF32(numTokens * s.numHeads * s.headSize, s.seed + 1, 2)),
    keyCache: roundHalf(s.dtype, randomF32(cacheSize, s.seed + 2, 2)),
    valueCache: roundHalf(s.dtype, randomF32(cacheSize, s.seed + 3)),
    cacheShape, queryStartLoc, blockTables, maxBlocks,
  };
}

function cpuAttention(s: PrefillSpec, b: PrefillBatch, o: PrefillOptions): Float32Array {
  const qShape = [b.numTokens, s.numHeads, s.headSize];
  const out = Tensor.f32(qShape);
  cpu.pagedAttention(
    Tensor.f32(qShape, b.q), Tensor.f32(b.cacheShape, b.keyCache), Tensor.f32(b.cacheShape, b.valueCache),
    Tensor.i32([s.queryLens.length + 1], b.queryStartLoc), Tensor.i32([s.seqLens.length], s.seqLens),
    Tensor.i32([s.seqLens.length, b.maxBlocks], b.blockTables),
    { scale: o.scale, slidingWindow: o.slidingWindow, softcap: o.softcap, sinks: o.sinks ? Tensor.f32([s.numHeads], o.sinks) : undefined },
    out,
  );
  return out.data;
}

describe.skipIf(noGpu)('gpuPagedAttention', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  /** Device copies of a batch and a call of the GPU kernel on them (overridable metadata), then a synchronize. */
  function deviceBatch(s: PrefillSpec, b: PrefillBatch) {
    const qShape = [b.numTokens, s.numHeads, s.headSize];
    const q = pool.half(s.dtype, qShape, b.q);
    const kc = pool.half(s.dtype, b.cacheShape, b.keyCache), vc = pool.half(s.dtype, b.cacheShape, b.valueCache);
    const out = pool.poisoned(s.dtype, qShape);
    const maxQueryLen = Math.max(...s.queryLens), maxSeqLen = Math.max(...s.seqLens);
    const run = (o: PrefillOptions, m: { queryStartLoc?: ArrayLike<number>; seqLens?: ArrayLike<number>; blockTables?: ArrayLike<number>;
      maxQueryLen?: number; maxSeqLen?: number } = {}) => {
      const n = s.seqLens.length;
      gpuAddon().ops.gpuPagedAttention(q, kc, vc, pool.i32([n + 1], m.queryStartLoc ?? b.queryStartLoc),
        pool.i32([n], m.seqLens ?? s.seqLens), pool.i32([n, b.maxBlocks], m.blockTables ?? b.blockTables),
        m.maxQueryLen ?? maxQueryLen, m.maxSeqLen ?? maxSeqLen,
        { ...o, sinks: o.sinks ? pool.f32([s.numHeads], o.sinks) : undefined }, out);
      gpuAddon().gpu.synchronize(0);
    };
    return { run, out };
  }

  function expectMatch(s: PrefillSpec, extra: Omit<PrefillOptions, 'scale'> = {}, bounds: { maxQueryLen?: number; maxSeqLen?: number } = {}) {
    const o = { scale: 1 / Math.sqrt(s.headSize), ...extra };
    const b = makeBatch(s);
    const { run, out } = deviceBatch(s, b);
    run(o, bounds);
    const got = downloadHalf(s.dtype, out), want = cpuAttention(s, b, o);
    // P is rounded to the half type before P·V (as in flash attention), on top of the output's one rounding.
    expect(halfViolation(s.dtype, got, want, s.dtype === 'bf16' ? 4e-3 : 1e-3)).toBeLessThanOrEqual(1);
    expect(relativeError(got, want)).toBeLessThan(s.dtype === 'bf16' ? 8e-3 : 2e-3);
  }

  const spec = (dtype: HalfDType, queryLens: readonly number[], more: Partial<PrefillSpec> = {}): PrefillSpec => ({
    dtype, queryLens, seqLens: queryLens, numHeads: 8, numKvHeads: 2, headSize: 128, blockSize: 16, seed: 1, ...more,
  });
  // Prefill lengths around the row tile (64 rows = 16 tokens × 4 heads here) and key tile (64) edges.
  const edges = [1, 15, 16, 63, 64, 65, 127, 128, 129, 1000];

  for (const dtype of HALF_DTYPES)
    it(`matches the CPU kernel on pure prefills across tile edges (${dtype})`, () => {
      expectMatch(spec(dtype, edges, { seed: dtype === 'bf16' ? 1 : 2 }));
    });

  it('matches on chunked extends (queries shorter than their context) mixed with decodes', () => {
    const queryLens = [1, 37, 200, 1, 64, 1, 129, 1];
    const seqLens = [300, 100, 1200, 1, 64, 77, 129 + 640, 4000];
    expectMatch(spec('bf16', queryLens, { seqLens, seed: 3 }));
    expectMatch(spec('f16', queryLens, { seqLens, seed: 4, numHeads: 4, numKvHeads: 4 }));
  });

  for (const [numHeads, numKvHeads] of [[4, 4], [16, 4], [32, 4], [12, 3], [8, 8]] as const)
    it(`supports GQA with ${numHeads} query heads over ${numKvHeads} KV heads`, () => {
      expectMatch(spec('bf16', [1, 70, 150, 1], { seqLens: [50, 70, 300, 1], numHeads, numKvHeads, seed: 10 + numHeads }));
    });

  for (const [headSize, dtype] of [[64, 'f16'], [80, 'bf16'], [96, 'f16'], [128, 'f16'], [256, 'bf16'], [256, 'f16'], [64, 'bf16']] as const)
    it(`supports head size ${headSize} (${dtype})`, () => {
      expectMatch(spec(dtype, [1, 33, 129, 65], { seqLens: [90, 33, 400, 65], headSize, seed: headSize }));
    });

  for (const blockSize of [1, 32])
    it(`supports block size ${blockSize}`, () => {
      expectMatch(spec('bf16', [16, 1, 100], { seqLens: [16, 50, 290], blockSize, seed: 30 + blockSize }));
    });

  it('applies a sliding window, soft-capping and sinks as the CPU kernel does', () => {
    const lens = spec('bf16', [300, 1, 64, 17], { seqLens: [300, 500, 200, 17], seed: 5 });
    expectMatch(lens, { slidingWindow: 100 });
    expectMatch({ ...lens, seed: 6 }, { slidingWindow: 8 });
    expectMatch({ ...lens, seed: 7 }, { softcap: 5 });
    expectMatch({ ...lens, dtype: 'f16', seed: 8 }, { sinks: randomF32(8, 8, 3) });
    expectMatch({ ...lens, dtype: 'f16', seed: 9 }, { sinks: randomF32(8, 9, 3), slidingWindow: 40, softcap: 30 });
  });

  it('gives the same answer when maxQueryLen and maxSeqLen overstate the batch', () => {
    const s = spec('bf16', [20, 100], { seqLens: [20, 600], seed: 11 });
    expectMatch(s, {}, { maxQueryLen: 120, maxSeqLen: 620 }); // the tables allow 16 × 39 = 624
  });

  it('reports bad device metadata as HS_OUT_OF_BOUNDS and keeps going', () => {
    const s = spec('bf16', [30, 10], { seqLens: [40, 20], seed: 12 });
    const b = makeBatch(s);
    const { run } = deviceBatch(s, b);
    const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
    const o = { scale: 0.1 };
    const badTable = b.blockTables.slice();
    badTable[1] = 10_000;
    expect(() => run(o, { blockTables: badTable })).toThrow(oob);
    expect(() => run(o, { seqLens: [29, 20] })).toThrow(oob); // shorter than its 30 queries
    expect(() => run(o, { seqLens: [41, 20] })).toThrow(oob); // past maxSeqLen
    expect(() => run(o, { queryStartLoc: [0, 35, 40] })).toThrow(oob); // past maxQueryLen (30)
    expect(() => run(o, { queryStartLoc: [0, 30, 25] })).toThrow(oob); // decreasing, and short of the 40 tokens
    expect(() => run(o, { queryStartLoc: [1, 30, 40] })).toThrow(oob); // not starting at 0
    expect(() => run(o, { queryStartLoc: [0, 30, 41] })).toThrow(oob); // past the tokens
    run(o);
  });

  it('rejects bad arguments with coded errors', () => {
    const s = spec('bf16', [4, 6], { seqLens: [4, 20], seed: 13 });
    const { run } = deviceBatch(s, makeBatch(s));
    const invalid = expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' });
    expect(() => run({ scale: 0.1 }, { maxSeqLen: 16 * 3 + 1 })).toThrow(invalid); // 3 columns of 16 = 48 at most
    expect(() => run({ scale: 0.1 }, { maxQueryLen: 11 })).toThrow(invalid); // more than the 10 tokens
    expect(() => run({ scale: 0.1 }, { maxQueryLen: 0 })).toThrow(invalid);
    expect(() => run({ scale: 0.1, slidingWindow: -1 })).toThrow(invalid);
    const t = spec('bf16', [4], { headSize: 72, seed: 14 });
    expect(() => deviceBatch(t, makeBatch(t)).run({ scale: 0.1 })).toThrow(expect.objectContaining({ code: 'HS_UNSUPPORTED' }));
    const u = spec('bf16', [4], { numHeads: 6, numKvHeads: 4, seed: 15 });
    expect(() => deviceBatch(u, makeBatch(u)).run({ scale: 0.1 })).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
  });
});
