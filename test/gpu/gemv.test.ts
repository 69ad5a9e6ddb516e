import { afterEach, describe, expect, it } from 'vitest';

import type { DeviceMatmulOptions, DeviceTensorArg } from '../../bindings/gpu.js';
import { maxViolation, randomF32 } from '../helpers/random.js';
import { DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, noGpu, roundHalf } from './helpers/gpu.js';
import {
  checkStridedInput, checkStridedOutput, cpuMatmul, expectMatmulClose, type MatmulCase,
} from './helpers/matmul-checks.js';

const GEMV: DeviceMatmulOptions = { path: 'gemv' };

type Case = MatmulCase;

// [N, K]: K a multiple of the 32-wide step; odd N with K a multiple of 8 but not of 32 (16-byte loads, the last
// step partly past K); K not a multiple of 8 (element loads); several waves per row block with a tail.
const SHAPES = [[64, 256], [33, 72], [40, 33], [257, 2056]] as const;
const cases: Case[] = [];
let i = 0;
for (const dtype of HALF_DTYPES)
  for (const t of dtype === 'bf16' ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 16] : [1, 3, 8, 9, 16])
    for (const [n, k] of SHAPES) {
      cases.push({ dtype, t, n, k, bias: i % 2 === 0, outF32: i % 3 === 0 });
      i++;
    }

describe.skipIf(noGpu)('gpuMatmul through the GEMV kernel', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  function run(c: Case, options: DeviceMatmulOptions, seed: number) {
    const { dtype, t, n, k } = c;
    const x = roundHalf(dtype, randomF32(t * k, seed));
    const w = roundHalf(dtype, randomF32(n * k, seed + 1, 1 / Math.sqrt(k)));
    const outDtype = c.outF32 ? 'f32' : dtype;
    const b = c.bias ? (c.outF32 ? randomF32(n, seed + 2) : roundHalf(dtype, randomF32(n, seed + 2))) : null;
    const out = pool.poisoned(outDtype, [t, n]);
    const db = b === null ? null : c.outF32 ? pool.f32([n], b) : pool.half(dtype, [n], b);
    gpuAddon().ops.gpuMatmul(pool.half(dtype, [t, k], x), pool.half(dtype, [n, k], w), db, out, options);
    const got = c.outF32 ? out.download(new Float32Array(t * n)) : downloadHalf(dtype, out);
    expectMatmulClose(dtype, c.outF32, got, cpuMatmul(x, w, b, t, n, k));
  }

  // The automatic weight loads (the cp.async ring on NVIDIA), and bf16 again through registers.
  for (const c of cases) {
    const name = `${c.dtype} T ${c.t} N ${c.n} K ${c.k}${c.bias ? ' + bias' : ''} → ${c.outF32 ? 'f32' : c.dtype}`;
    it(`matches the CPU matmul: ${name}`, () => run(c, GEMV, c.t * 1000 + c.n + c.k));
    if (c.dtype === 'bf16' && c.k % 8 === 0)
      it(`matches the CPU matmul through registers: ${name}`, () =>
        run(c, { path: 'gemv', gemvRing: false }, c.t * 1000 + c.n + c.k));
  }

  // Every launch shape gives the same sums: 16 or 32 rows per wave, 1 to 16 waves splitting K, ring or registers.
  const ring = !noGpu && gpuAddon().gpu.vendor === 'cuda'; // the cp.async ring exists only on NVIDIA
  for (const [rows, waves, viaRing] of [[16, 1, false], [16, 3, ring], [32, 2, false], [32, 16, ring], [16, 16, false],
    [16, 8, ring], [32, 5, false]] as const)
    for (const t of [5, 16])
      it(`launch shape ${rows} rows per wave × ${waves} waves${viaRing ? ', ring' : ''}, T ${t}`, () =>
        run({ dtype: 'bf16', t, n: 100, k: 1000, bias: true, outF32: t === 5 },
          { path: 'gemv', gemvRowsPerWave: rows, gemvWaves: waves, gemvRing: viaRing }, 77 + t));

  it('takes T <= 8 automatically and gives the BLAS result', () => {
    const dtype = 'bf16', t = 4, n = 96, k = 512;
    const x = pool.half(dtype, [t, k], roundHalf(dtype, randomF32(t * k, 3)));
    const w = pool.half(dtype, [n, k], roundHalf(dtype, randomF32(n * k, 4, 0.05)));
    const auto = pool.poisoned('f32', [t, n]), blas = pool.poisoned('f32', [t, n]);
    gpuAddon().ops.gpuMatmul(x, w, null, auto);
    gpuAddon().ops.gpuMatmul(x, w, null, blas, { path: 'blas' });
    const a = auto.download(new Float32Array(t * n)), b = blas.download(new Float32Array(t * n));
    expect(maxViolation(a, b, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
  });

  for (const [first, label] of [[64, '16-byte aligned (vector loads)'], [3, 'at an odd offset (element loads)']] as const)
    it(`reads x as a strided column slice ${label}`, () => checkStridedInput(pool, 'f16', 7, 48, 128, 264, first, GEMV));

  it('writes out rows with a stride (a column slice of a wider f32 output)', () =>
    checkStridedOutput(pool, 'bf16', 3, 24, 40, 64, GEMV));

  it('rejects bad arguments with coded errors', () => {
    const { ops } = gpuAddon(), d = 'bf16', t = 4, n = 16, k = 32;
    const x = pool.half(d, [t, k], randomF32(t * k, 11)), w = pool.half(d, [n, k], randomF32(n * k, 12));
    const out = pool.poisoned(d, [t, n]);
    const code = (c: string) => expect.objectContaining({ code: c });
    const x17 = pool.half(d, [17, k], randomF32(17 * k, 13));
    expect(() => ops.gpuMatmul(x17, w, null, pool.poisoned(d, [17, n]), GEMV)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMatmul(x, pool.half(d, [n, k + 8], randomF32(n * (k + 8), 14)), null, out, GEMV))
      .toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.gpuMatmul(x, w, null, pool.poisoned(d, [t, n + 1]), GEMV)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.gpuMatmul(x, pool.half('f16', [n, k], randomF32(n * k, 15)), null, out, GEMV))
      .toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.gpuMatmul(x, w, pool.f32([n], randomF32(n, 16)), out, GEMV)).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.gpuMatmul(pool.half(d, [0, k], []), w, null, pool.poisoned(d, [0, n]), GEMV))
      .toThrow(code('HS_EMPTY_BATCH'));
    const overlapping: DeviceTensorArg = { data: out.data, dtype: d, shape: [t, n], strides: [n / 2, 1] };
    expect(() => ops.gpuMatmul(x, w, null, overlapping, GEMV)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMatmul(x, w, null, out, { path: 'fast' as 'gemv' })).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMatmul(x, w, null, out, { path: 'gemv', gemvRowsPerWave: 24 })).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMatmul(x, w, null, out, { path: 'gemv', gemvWaves: 17 })).toThrow(code('HS_INVALID_ARGUMENT'));
    const xOdd = pool.half(d, [t, 33], randomF32(t * 33, 17)), wOdd = pool.half(d, [n, 33], randomF32(n * 33, 18));
    expect(() => ops.gpuMatmul(xOdd, wOdd, null, out, { path: 'gemv', gemvRowsPerWave: 32 }))
      .toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMatmul(xOdd, wOdd, null, out, { path: 'gemv', gemvRing: true })).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMatmul(x, w, null, out, { path: 'gemv', gemvRing: 1 as unknown as boolean }))
      .toThrow(code('HS_INVALID_ARGUMENT'));
    // The good call still works after the rejected ones.
    ops.gpuMatmul(x, w, null, out, GEMV);
    gpuAddon().gpu.synchronize(0);
  });
});

describe.skipIf(noGpu)('gpuGatedMatmul (activation fused into the down projection)', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  const unfused = { silu: 'gpuSiluAndMul', gelu_tanh: 'gpuGeluTanhAndMul' } as const;

  // [T, path]: the GEMV for T <= 16 when forced (automatic up to 8), the activation kernel + BLAS beyond.
  const runs = [[1, 'auto'], [4, 'gemv'], [8, 'auto'], [9, 'gemv'], [16, 'gemv'], [3, 'blas'], [17, 'auto'], [40, 'auto']] as const;
  let seed = 100;
  for (const act of ['silu', 'gelu_tanh'] as const)
    for (const dtype of HALF_DTYPES)
      for (const [t, path] of runs)
        for (const inter of [72, 36]) { // 36: not a multiple of 8 (element loads)
          const s = seed++, n = 48, outF32 = s % 3 === 0, bias = s % 2 === 0;
          it(`${act} ${dtype} T ${t} I ${inter} (${path}) equals ${unfused[act]} then the matmul${bias ? ' + bias' : ''} → ${outF32 ? 'f32' : dtype}`, () => {
            const { ops } = gpuAddon();
            // Scale 4 reaches SiLU's and GELU's curved parts, not just their linear middle.
            const x2 = pool.half(dtype, [t, 2 * inter], roundHalf(dtype, randomF32(t * 2 * inter, s, 4)));
            const w = roundHalf(dtype, randomF32(n * inter, s + 1, 1 / Math.sqrt(inter)));
            const b = bias ? (outF32 ? randomF32(n, s + 2) : roundHalf(dtype, randomF32(n, s + 2))) : null;
            const db = b === null ? null : outF32 ? pool.f32([n], b) : pool.half(dtype, [n], b);
            const out = pool.poisoned(outF32 ? 'f32' : dtype, [t, n]);
            ops.gpuGatedMatmul(x2, act, pool.half(dtype, [n, inter], w), db, out, { path });
            // The reference: the activation kernel's rounded output, multiplied on the CPU.
            const actOut = pool.poisoned(dtype, [t, inter]);
            ops[unfused[act]](x2, actOut);
            const want = cpuMatmul(downloadHalf(dtype, actOut), w, b, t, n, inter);
            expectMatmulClose(dtype, outF32, outF32 ? out.download(new Float32Array(t * n)) : downloadHalf(dtype, out), want);
          });
        }

  it('rejects bad arguments with coded errors', () => {
    const { ops } = gpuAddon(), d = 'bf16', n = 16, inter = 32;
    const w = pool.half(d, [n, inter], randomF32(n * inter, 21));
    const code = (c: string) => expect.objectContaining({ code: c });
    for (const t of [2, 20]) {
      const x2 = pool.half(d, [t, 2 * inter], randomF32(t * 2 * inter, 22)), out = pool.poisoned(d, [t, n]);
      expect(() => ops.gpuGatedMatmul(x2, 'relu' as 'silu', w, null, out)).toThrow(code('HS_INVALID_ARGUMENT'));
      const narrow = pool.half(d, [t, inter], randomF32(t * inter, 23));
      expect(() => ops.gpuGatedMatmul(narrow, 'silu', w, null, out)).toThrow(code('HS_SHAPE_MISMATCH'));
      expect(() => ops.gpuGatedMatmul(x2, 'silu', w, null, pool.poisoned(d, [t, n + 2]))).toThrow(code('HS_SHAPE_MISMATCH'));
      expect(() => ops.gpuGatedMatmul(x2, 'gelu_tanh', pool.half('f16', [n, inter], randomF32(n * inter, 24)), null, out))
        .toThrow(code('HS_DTYPE_MISMATCH'));
      ops.gpuGatedMatmul(x2, 'silu', w, null, out);
    }
    expect(() => ops.gpuGatedMatmul(pool.half(d, [0, 2 * inter], []), 'silu', w, null, pool.poisoned(d, [0, n]),
      { path: 'blas' })).toThrow(code('HS_EMPTY_BATCH'));
    gpuAddon().gpu.synchronize(0);
  });
});
