import { afterEach, describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { cpu, DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfViolation, noGpu, relativeError, roundHalf, type HalfDType } from './helpers/gpu.js';
import { scatteredBlocks } from './helpers/scattered-blocks.js';

/** A batch over a paged latent cache: queryLens[b] query tokens (the last of seqLens[b]) per sequence. */
interface MlaSpec {
  dtype: HalfDType;
  seqLens: readonly number[];
  queryLens?: readonly number[];
  numHeads: number;
  latent: number;
  rope: number;
  blockSize: number;
  seed: number;
  maxBlocks?: number;
  numPartitions?: number;
  /** a 4-D cache [blocks, blockSize, 1, R + L] (the CPU layout) instead of 3-D */
  headDim?: boolean;
}

interface MlaBatch {
  q: Float32Array; // [T, H, R + L]
  cache: Float32Array; // [numBlocks, blockSize, R + L]
  numBlocks: number;
  blockTables: Int32Array;
  maxBlocks: number;
  queryStartLoc: number[];
  numTokens: number;
  maxQueryLen: number;
}

function makeBatch(s: MlaSpec): MlaBatch {
  const width = s.rope + s.latent;
  const queryLens = s.queryLens ?? s.seqLens.map(() => 1);
  const { numBlocks, maxBlocks, blockTables } = scatteredBlocks(s.seqLens, s.blockSize, s.seed, s.maxBlocks);
  const queryStartLoc = [0];
  for (const n of queryLens) queryStartLoc.push(queryStartLoc.at(-1)! + n);
  const numTokens = queryStartLoc.at(-1)!;
  return {
    q: roundHalf(s.dtype, randomF32(numTokens * s.numHeads * width, s.seed + 1)),
    cache: roundHalf(s.dtype, randomF32(numBlocks * s.blockSize * width, s.seed + 2)),
    numBlocks, blockTables, maxBlocks, queryStartLoc, numTokens, maxQueryLen: Math.max(...queryLens),
  };
}

/** The CPU pagedAttention over the same latents as key and value cache (one KV head), c_kv columns kept. */
function cpuMla(s: MlaSpec, b: MlaBatch, scale: number): Float32Array {
  const width = s.rope + s.latent, n = s.seqLens.length, t = b.numTokens, h = s.numHeads;
  const cacheShape = [b.numBlocks, s.blockSize, 1, width];
  const full = Tensor.f32([t, h, width]);
  cpu.pagedAttention(Tensor.f32([t, h, width], b.q), Tensor.f32(cacheShape, b.cache), Tensor.f32(cacheShape, b.cache),
    Tensor.i32([n + 1], b.queryStartLoc), Tensor.i32([n], s.seqLens), Tensor.i32([n, b.maxBlocks], b.blockTables),
    { scale }, full);
  const out = new Float32Array(t * h * s.latent);
  for (let row = 0; row < t * h; row++) out.set(full.data.subarray(row * width + s.rope, (row + 1) * width), row * s.latent);
  return out;
}

describe.skipIf(noGpu)('gpuMlaAttention', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  function run(s: MlaSpec, scale: number, maxSeqLen = Math.max(...s.seqLens)) {
    const b = makeBatch(s);
    const width = s.rope + s.latent, n = s.seqLens.length;
    const cacheShape = s.headDim ? [b.numBlocks, s.blockSize, 1, width] : [b.numBlocks, s.blockSize, width];
    const out = pool.poisoned(s.dtype, [b.numTokens, s.numHeads, s.latent]);
    gpuAddon().ops.gpuMlaAttention(pool.half(s.dtype, [b.numTokens, s.numHeads, width], b.q),
      pool.half(s.dtype, cacheShape, b.cache), pool.i32([n + 1], b.queryStartLoc), pool.i32([n], s.seqLens),
      pool.i32([n, b.maxBlocks], b.blockTables), b.maxQueryLen, maxSeqLen,
      { scale, numPartitions: s.numPartitions }, out);
    gpuAddon().gpu.synchronize(0);
    return { got: downloadHalf(s.dtype, out), want: cpuMla(s, b, scale) };
  }

  function expectMatch(s: MlaSpec, maxSeqLen?: number): void {
    const { got, want } = run(s, (s.latent / 4 + s.rope) ** -0.5, maxSeqLen);
    expect(halfViolation(s.dtype, got, want, s.dtype === 'bf16' ? 4e-3 : 1e-3)).toBeLessThanOrEqual(1);
    expect(relativeError(got, want)).toBeLessThan(s.dtype === 'bf16' ? 8e-3 : 2e-3);
  }

  const deepseek = (dtype: HalfDType, more: Partial<MlaSpec> = {}): MlaSpec => ({
    dtype, seqLens: [1, 15, 16, 17, 31, 32, 33, 130, 700, 3001], numHeads: 16, latent: 512, rope: 64,
    blockSize: 16, seed: 1, ...more,
  });

  for (const dtype of HALF_DTYPES)
    it(`decodes across block and tile edges at L=512, R=64 (${dtype}, split over partitions)`, () => {
      expectMatch(deepseek(dtype));
    });

  it('decodes DeepSeek-V3 shapes: 128 heads (two row tiles) at block size 64', () => {
    expectMatch(deepseek('bf16', { seqLens: [1, 100, 2000], numHeads: 128, blockSize: 64, seed: 2 }));
  });

  it('takes one partition (direct write) and many partitions alike', () => {
    expectMatch(deepseek('bf16', { seqLens: [5000, 64, 1], numPartitions: 1, seed: 3 }));
    expectMatch(deepseek('bf16', { seqLens: [5000, 64, 1], numPartitions: 37, seed: 3 }));
    expectMatch(deepseek('f16', { seqLens: [20000], numHeads: 64, blockSize: 64, seed: 4 }));
  });

  for (const [latent, rope, numHeads, blockSize] of [[32, 8, 4, 1], [32, 8, 4, 2], [64, 0, 8, 32], [192, 32, 20, 8],
    [128, 64, 3, 128], [512, 64, 1, 16]] as const)
    it(`supports L=${latent}, R=${rope} with ${numHeads} heads at block size ${blockSize}`, () => {
      expectMatch(deepseek('bf16', { seqLens: [1, 9, 77, 300], latent, rope, numHeads, blockSize, seed: latent + rope + numHeads }));
    });

  it('reads the CPU layout [blocks, blockSize, 1, R + L] and a non-power-of-two block size', () => {
    expectMatch(deepseek('bf16', { seqLens: [3, 50, 400], headDim: true, seed: 5 }));
    expectMatch(deepseek('bf16', { seqLens: [3, 50, 400], blockSize: 12, seed: 6 }));
  });

  it('runs prefill chunks and mixed steps causally (several query tokens per sequence)', () => {
    expectMatch(deepseek('bf16', { seqLens: [5, 300, 100, 1, 70], queryLens: [5, 1, 37, 1, 70], seed: 7 }));
    expectMatch(deepseek('f16', { seqLens: [40, 2500], queryLens: [3, 9], numHeads: 128, blockSize: 64, seed: 8 }));
    expectMatch(deepseek('bf16', { seqLens: [40, 2500], queryLens: [3, 9], numPartitions: 9, seed: 9 }));
    expectMatch(deepseek('bf16', { seqLens: [33, 1], queryLens: [33, 1], latent: 32, rope: 8, numHeads: 4, seed: 10 }));
    // The GPU reference model's widths (test/gpu/models): 8 heads, L = 128, R = 64, whole prompts.
    expectMatch(deepseek('bf16', { seqLens: [70, 150, 5], queryLens: [70, 150, 5], latent: 128, rope: 64, numHeads: 8, seed: 13 }));
  });

  it('gives the same answer when maxSeqLen overstates the longest sequence (a captured step)', () => {
    expectMatch(deepseek('bf16', { seqLens: [1, 17, 300, 513], maxBlocks: 32768 / 16, seed: 11 }), 32768);
    expectMatch(deepseek('bf16', { seqLens: [2, 40], queryLens: [2, 1], numHeads: 128, maxBlocks: 64, seed: 12 }), 1000);
  });

  it('reports bad block-table entries, sequence lengths and query starts as HS_OUT_OF_BOUNDS', () => {
    const s = deepseek('bf16', { seqLens: [40, 20], seed: 13 });
    const b = makeBatch(s);
    const q = pool.half('bf16', [2, 16, 576], b.q), cache = pool.half('bf16', [b.numBlocks, 16, 576], b.cache);
    const out = pool.poisoned('bf16', [2, 16, 512]);
    const call = (seqLens: number[], tables: Int32Array, maxSeqLen: number, qsl = [0, 1, 2], maxQueryLen = 1) =>
      gpuAddon().ops.gpuMlaAttention(q, cache, pool.i32([3], qsl), pool.i32([2], seqLens),
        pool.i32([2, b.maxBlocks], tables), maxQueryLen, maxSeqLen, { scale: 0.1 }, out);
    const faults = (...args: Parameters<typeof call>) => () => {
      call(...args);
      gpuAddon().gpu.synchronize(0);
    };
    const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
    const badTable = b.blockTables.slice();
    badTable[1] = 10_000;
    expect(faults([40, 20], badTable, 40)).toThrow(oob);
    expect(faults([41, 20], b.blockTables, 40)).toThrow(oob);
    expect(faults([0, 20], b.blockTables, 40)).toThrow(oob);
    expect(faults([40, 20], b.blockTables, 40, [0, 2, 1], 2)).toThrow(oob);
    faults([40, 20], b.blockTables, 40)(); // the fault word was cleared: a good call passes
    const invalid = expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' });
    expect(() => call([40, 20], b.blockTables, 16 * b.maxBlocks + 1)).toThrow(invalid);
    expect(() => call([40, 20], b.blockTables, 40, [0, 1, 2], 3)).toThrow(invalid);
    expect(() => gpuAddon().ops.gpuMlaAttention(q, cache, pool.i32([3], [0, 1, 2]), pool.i32([2], [40, 20]),
      pool.i32([2, b.maxBlocks], b.blockTables), 1, 40, { scale: Number.NaN }, out)).toThrow(invalid);
  });

  it('rejects latent and rope widths it does not support, and mismatched shapes', () => {
    const q = pool.half('bf16', [1, 4, 96], randomF32(384, 1));
    const seq = [pool.i32([2], [0, 1]), pool.i32([1], [1]), pool.i32([1, 1], [0])] as const;
    const attempt = (cacheWidth: number, outWidth: number, heads = 4) => () =>
      gpuAddon().ops.gpuMlaAttention(q, pool.half('bf16', [1, 16, cacheWidth], new Float32Array(16 * cacheWidth)),
        ...seq, 1, 1, { scale: 0.1 }, pool.poisoned('bf16', [1, heads, outWidth]));
    const unsupported = expect.objectContaining({ code: 'HS_UNSUPPORTED' });
    expect(attempt(96, 40)).toThrow(unsupported); // L = 40 is no multiple of 16
    expect(attempt(96, 16)).toThrow(unsupported); // R = 80 > 64
    expect(attempt(88, 64)).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(attempt(96, 64, 3)).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    attempt(96, 64)();
    gpuAddon().gpu.synchronize(0);
  });
});
