import { afterEach, describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import { randomF32, rng } from '../helpers/random.js';
import {
  cpu, DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfRtol, halfViolation, noGpu, relativeError, roundHalf,
  type HalfDType,
} from './helpers/gpu.js';

/** [maxPosition, rotDim]: cos(p·θ_i) then sin(p·θ_i), θ_i = base^(-2i/rotDim). */
function cosSinCache(maxPosition: number, rotDim: number, base = 10000): Float32Array {
  const half = rotDim / 2, out = new Float32Array(maxPosition * rotDim);
  for (let p = 0; p < maxPosition; p++)
    for (let i = 0; i < half; i++) {
      const angle = p * base ** (-(2 * i) / rotDim);
      out[p * rotDim + i] = Math.cos(angle);
      out[p * rotDim + half + i] = Math.sin(angle);
    }
  return out;
}

function distinctSlots(n: number, numSlots: number, seed: number): Int32Array {
  const r = rng(seed), used = new Set<number>(), out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let s: number;
    do s = Math.floor(r() * numSlots); while (used.has(s));
    used.add(s);
    out[i] = s;
  }
  return out;
}

interface Case {
  dtype: HalfDType;
  isNeox: boolean;
  headSize: number;
  rotDim: number;
}

describe.skipIf(noGpu)('gpuRotaryEmbedding with the KV-cache write', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  const tokens = 7, numHeads = 8, numKvHeads = 2, blockSize = 16, numBlocks = 4, maxPosition = 512;
  const cases: Case[] = [];
  for (const dtype of HALF_DTYPES)
    for (const isNeox of [true, false]) cases.push({ dtype, isNeox, headSize: 128, rotDim: 128 });
  cases.push({ dtype: 'bf16', isNeox: true, headSize: 128, rotDim: 64 }); // partial rotary
  cases.push({ dtype: 'f16', isNeox: false, headSize: 80, rotDim: 32 });
  cases.push({ dtype: 'bf16', isNeox: true, headSize: 256, rotDim: 256 });
  cases.push({ dtype: 'f16', isNeox: false, headSize: 1024, rotDim: 512 }); // one head a block

  for (const { dtype, isNeox, headSize: d, rotDim } of cases)
    it(`matches rotaryEmbedding + reshapeAndCache on the CPU (${dtype}, ${isNeox ? 'neox' : 'gpt-j'}, D ${d}, rot ${rotDim})`, () => {
      const seed = d + rotDim + (isNeox ? 1 : 0);
      const q = roundHalf(dtype, randomF32(tokens * numHeads * d, seed));
      const k = roundHalf(dtype, randomF32(tokens * numKvHeads * d, seed + 1));
      const v = roundHalf(dtype, randomF32(tokens * numKvHeads * d, seed + 2));
      const cacheSize = numBlocks * blockSize * numKvHeads * d;
      const keyCache = roundHalf(dtype, randomF32(cacheSize, seed + 3));
      const valueCache = roundHalf(dtype, randomF32(cacheSize, seed + 4));
      const r = rng(seed + 5);
      const positions = Int32Array.from({ length: tokens }, () => Math.floor(r() * maxPosition));
      const slots = distinctSlots(tokens, numBlocks * blockSize, seed + 6);
      slots[3] = -1; // padding: not cached
      const cs = cosSinCache(maxPosition, rotDim);
      const cacheShape = [numBlocks, blockSize, numKvHeads, d];

      const dq = pool.half(dtype, [tokens, numHeads * d], q), dk = pool.half(dtype, [tokens, numKvHeads * d], k);
      const dkc = pool.half(dtype, cacheShape, keyCache), dvc = pool.half(dtype, cacheShape, valueCache);
      gpuAddon().ops.gpuRotaryEmbedding(pool.i32([tokens], positions), dq, dk, pool.f32([maxPosition, rotDim], cs), d,
        isNeox, { value: pool.half(dtype, [tokens, numKvHeads * d], v), keyCache: dkc, valueCache: dvc,
          slotMapping: pool.i32([tokens], slots) });

      const cq = Tensor.f32([tokens, numHeads * d], q), ck = Tensor.f32([tokens, numKvHeads * d], k);
      cpu.rotaryEmbedding(Tensor.i32([tokens], positions), cq, ck, Tensor.f32([maxPosition, rotDim], cs), d, isNeox);
      const ckc = Tensor.f32(cacheShape, keyCache), cvc = Tensor.f32(cacheShape, valueCache);
      cpu.reshapeAndCache(ck.reshape([tokens, numKvHeads, d]), Tensor.f32([tokens, numKvHeads, d], v), ckc, cvc,
        Tensor.i32([tokens], slots));

      expect(halfViolation(dtype, downloadHalf(dtype, dq), cq.data)).toBeLessThanOrEqual(1);
      expect(halfViolation(dtype, downloadHalf(dtype, dk), ck.data)).toBeLessThanOrEqual(1);
      expect(halfViolation(dtype, downloadHalf(dtype, dkc), ckc.data)).toBeLessThanOrEqual(1);
      expect(downloadHalf(dtype, dvc)).toEqual(cvc.data);
    });

  it('rotates without a cache', () => {
    const d = 64, dtype = 'bf16';
    const q = roundHalf(dtype, randomF32(tokens * numHeads * d, 40));
    const k = roundHalf(dtype, randomF32(tokens * numKvHeads * d, 41));
    const positions = Int32Array.from({ length: tokens }, (_, i) => i * 3);
    const cs = cosSinCache(maxPosition, d);
    const dq = pool.half(dtype, [tokens, numHeads * d], q), dk = pool.half(dtype, [tokens, numKvHeads * d], k);
    gpuAddon().ops.gpuRotaryEmbedding(pool.i32([tokens], positions), dq, dk, pool.f32([maxPosition, d], cs), d, true);
    const cq = Tensor.f32([tokens, numHeads * d], q), ck = Tensor.f32([tokens, numKvHeads * d], k);
    cpu.rotaryEmbedding(Tensor.i32([tokens], positions), cq, ck, Tensor.f32([maxPosition, d], cs), d, true);
    expect(halfViolation(dtype, downloadHalf(dtype, dq), cq.data)).toBeLessThanOrEqual(1);
    expect(halfViolation(dtype, downloadHalf(dtype, dk), ck.data)).toBeLessThanOrEqual(1);
  });

  it('reports positions and slots out of range as HS_OUT_OF_BOUNDS', () => {
    const d = 64, dtype = 'f16', { ops, gpu } = gpuAddon();
    const q = pool.half(dtype, [2, numHeads * d], randomF32(2 * numHeads * d, 50));
    const k = pool.half(dtype, [2, numKvHeads * d], randomF32(2 * numKvHeads * d, 51));
    const cs = pool.f32([maxPosition, d], cosSinCache(maxPosition, d));
    const cacheShape = [numBlocks, blockSize, numKvHeads, d];
    const cache = (slots: number[]) => ({ value: k, keyCache: pool.poisoned(dtype, cacheShape),
      valueCache: pool.poisoned(dtype, cacheShape), slotMapping: pool.i32([2], slots) });
    const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
    ops.gpuRotaryEmbedding(pool.i32([2], [0, maxPosition]), q, k, cs, d, true);
    expect(() => gpu.synchronize(0)).toThrow(oob);
    ops.gpuRotaryEmbedding(pool.i32([2], [0, 1]), q, k, cs, d, true, cache([0, numBlocks * blockSize]));
    expect(() => gpu.synchronize(0)).toThrow(oob);
    ops.gpuRotaryEmbedding(pool.i32([2], [0, 1]), q, k, cs, d, true, cache([0, 1]));
    gpu.synchronize(0);
    expect(() => ops.gpuRotaryEmbedding(pool.i32([2], [0, 1]), q, k, cs, 48, true)).toThrow(
      expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    const wide = pool.poisoned(dtype, [2, 4096]);
    expect(() => ops.gpuRotaryEmbedding(pool.i32([2], [0, 1]), wide, wide, cs, 4096, true)).toThrow(
      expect.objectContaining({ code: 'HS_INVALID_ARGUMENT', message: expect.stringContaining('head_size 4096') }));
  });
});

describe.skipIf(noGpu)('gpuRotaryEmbedding with the per-head q/k RMSNorm (Qwen3, GLM-4.5)', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  const tokens = 5, numHeads = 6, numKvHeads = 2, blockSize = 16, numBlocks = 2, maxPosition = 256, eps = 1e-6;

  /** CPU rmsNorm over [rows * heads, d], rounded to the half type as the unfused GPU path would store it. */
  function cpuHeadNorm(dtype: HalfDType, x: Float32Array, weight: Float32Array, d: number): Float32Array {
    const out = Tensor.f32([x.length / d, d]);
    cpu.rmsNorm(Tensor.f32([x.length / d, d], x), Tensor.f32([d], weight), eps, out);
    return roundHalf(dtype, out.data);
  }

  // The intermediate rounding of the normalized value may differ by one unit where the CPU's and the GPU's f32
  // norms straddle a rounding boundary; atol covers one unit of a normalized value (|x| < 4).
  function expectClose(dtype: HalfDType, got: Float32Array, want: ArrayLike<number>) {
    expect(halfViolation(dtype, got, want, 8 * halfRtol(dtype))).toBeLessThanOrEqual(1);
    expect(relativeError(got, want)).toBeLessThan(dtype === 'bf16' ? 5e-3 : 1e-3);
  }

  const cases = [
    { dtype: 'bf16', isNeox: true, d: 128, rotDim: 128, withCache: true },
    { dtype: 'f16', isNeox: false, d: 80, rotDim: 32, withCache: true }, // partial rotary: the tail is normalized too
    { dtype: 'f16', isNeox: true, d: 64, rotDim: 64, withCache: false },
    { dtype: 'bf16', isNeox: true, d: 128, rotDim: 64, withCache: false },
  ] as const;
  for (const { dtype, isNeox, d, rotDim, withCache } of cases)
    it(`matches rmsNorm per head + rotaryEmbedding${withCache ? ' + reshapeAndCache' : ''} on the CPU (${dtype}, ${isNeox ? 'neox' : 'gpt-j'}, D ${d}, rot ${rotDim})`, () => {
      const seed = 100 + d + rotDim;
      const q = roundHalf(dtype, randomF32(tokens * numHeads * d, seed, 3));
      const k = roundHalf(dtype, randomF32(tokens * numKvHeads * d, seed + 1, 3));
      const v = roundHalf(dtype, randomF32(tokens * numKvHeads * d, seed + 2));
      const qw = roundHalf(dtype, randomF32(d, seed + 3).map((x) => 1 + 0.5 * x));
      const kw = roundHalf(dtype, randomF32(d, seed + 4).map((x) => 1 + 0.5 * x));
      const r = rng(seed + 5);
      const positions = Int32Array.from({ length: tokens }, () => Math.floor(r() * maxPosition));
      const slots = distinctSlots(tokens, numBlocks * blockSize, seed + 6);
      slots[1] = -1; // padding: not cached, still normalized and rotated
      const cs = cosSinCache(maxPosition, rotDim);
      const cacheShape = [numBlocks, blockSize, numKvHeads, d];
      const cacheSize = numBlocks * blockSize * numKvHeads * d;
      const keyCache = roundHalf(dtype, randomF32(cacheSize, seed + 7)), valueCache = roundHalf(dtype, randomF32(cacheSize, seed + 8));

      const dq = pool.half(dtype, [tokens, numHeads * d], q), dk = pool.half(dtype, [tokens, numKvHeads * d], k);
      const dkc = pool.half(dtype, cacheShape, keyCache), dvc = pool.half(dtype, cacheShape, valueCache);
      const cache = withCache ? { value: pool.half(dtype, [tokens, numKvHeads * d], v), keyCache: dkc, valueCache: dvc,
        slotMapping: pool.i32([tokens], slots) } : undefined;
      gpuAddon().ops.gpuRotaryEmbedding(pool.i32([tokens], positions), dq, dk, pool.f32([maxPosition, rotDim], cs), d,
        isNeox, cache, { q: pool.half(dtype, [d], qw), k: pool.half(dtype, [d], kw), eps });

      const cq = Tensor.f32([tokens, numHeads * d], cpuHeadNorm(dtype, q, qw, d));
      const ck = Tensor.f32([tokens, numKvHeads * d], cpuHeadNorm(dtype, k, kw, d));
      cpu.rotaryEmbedding(Tensor.i32([tokens], positions), cq, ck, Tensor.f32([maxPosition, rotDim], cs), d, isNeox);
      expectClose(dtype, downloadHalf(dtype, dq), cq.data);
      expectClose(dtype, downloadHalf(dtype, dk), ck.data);
      if (!withCache) return;
      const ckc = Tensor.f32(cacheShape, keyCache), cvc = Tensor.f32(cacheShape, valueCache);
      cpu.reshapeAndCache(ck.reshape([tokens, numKvHeads, d]), Tensor.f32([tokens, numKvHeads, d], v), ckc, cvc,
        Tensor.i32([tokens], slots));
      expectClose(dtype, downloadHalf(dtype, dkc), ckc.data);
      expect(downloadHalf(dtype, dvc)).toEqual(cvc.data);
    });

  it('rejects bad norm weights and eps with coded errors', () => {
    const d = 64, dtype = 'bf16', { ops } = gpuAddon();
    const q = pool.half(dtype, [2, numHeads * d], randomF32(2 * numHeads * d, 60));
    const k = pool.half(dtype, [2, numKvHeads * d], randomF32(2 * numKvHeads * d, 61));
    const cs = pool.f32([maxPosition, d], cosSinCache(maxPosition, d)), pos = pool.i32([2], [0, 1]);
    const w = pool.half(dtype, [d], randomF32(d, 62));
    const call = (qkNorm: Parameters<typeof ops.gpuRotaryEmbedding>[7]) =>
      () => ops.gpuRotaryEmbedding(pos, q, k, cs, d, true, undefined, qkNorm);
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(call({ q: w, k: pool.half(dtype, [d + 2], randomF32(d + 2, 63)), eps })).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(call({ q: pool.half('f16', [d], randomF32(d, 64)), k: w, eps })).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(call({ q: w, k: w, eps: -1 })).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(call({ q: w } as never)).toThrow(code('HS_INVALID_ARGUMENT'));
    call({ q: w, k: w, eps })();
    gpuAddon().gpu.synchronize(0);
  });
});
