import { afterEach, describe, expect, it } from 'vitest';

import type { DeviceTensorArg } from '../../bindings/gpu.js';
import { randomF32 } from '../helpers/random.js';
import {
  DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfRtol, noGpu, relativeError, roundHalf,
  type HalfDType,
} from './helpers/gpu.js';
import {
  checkStridedInput, checkStridedOutput, cpuMatmul, expectMatmulClose, type MatmulCase,
} from './helpers/matmul-checks.js';

// [N, K]: multiples of 8 (16-byte rows, the tensor-core path) and odd ones (2-byte aligned rows).
const aligned = [[256, 512], [40, 72]] as const, odd = [[33, 64], [64, 33], [17, 31]] as const;
const cases: MatmulCase[] = [];
let i = 0;
for (const dtype of HALF_DTYPES)
  for (const t of [1, 3, 16, 17, 128, 1000])
    for (const [n, k] of [...aligned, ...odd]) {
      if (t === 1000 && n < 64 && k < 64) continue; // the largest T once per alignment kind is enough
      cases.push({ dtype, t, n, k, bias: i % 2 === 0, outF32: i % 3 === 0 });
      i++;
    }

// The BLAS path forced (small T would take the GEMV, tested in gemv.test.ts); the argument checks on both paths.
const BLAS = { path: 'blas' } as const;

describe.skipIf(noGpu)('gpuMatmul (cuBLASLt / hipBLASLt)', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  // Some of cuBLASLt's kernels round the product to the half type before the epilogue adds the bias (seen on an
  // H200 for bf16 T 128 N 33 K 64 + bias): two roundings, half a unit of the product's magnitude and half a unit
  // of the result's, where the element-wise check above allows only the second.
  function checkHalfWithBias(dtype: HalfDType, got: Float32Array, want: Float32Array, bias: Float32Array) {
    let worst = 0;
    for (let j = 0; j < want.length; j++) {
      if (Number.isNaN(got[j]!)) { worst = Infinity; break; }
      const product = want[j]! - bias[j % bias.length]!;
      const tol = 1e-3 + halfRtol(dtype) * (Math.abs(want[j]!) + Math.abs(product));
      worst = Math.max(worst, Math.abs(got[j]! - want[j]!) / tol);
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(relativeError(got, want)).toBeLessThan(dtype === 'bf16' ? 5e-3 : 1e-3);
  }

  for (const { dtype, t, n, k, bias, outF32 } of cases)
    it(`matches the CPU matmul: ${dtype} T ${t} N ${n} K ${k}${bias ? ' + bias' : ''} → ${outF32 ? 'f32' : dtype}`, () => {
      const seed = t * 1000 + n + k;
      const x = roundHalf(dtype, randomF32(t * k, seed));
      const w = roundHalf(dtype, randomF32(n * k, seed + 1, 1 / Math.sqrt(k)));
      const outDtype = outF32 ? 'f32' : dtype;
      const b = bias ? (outF32 ? randomF32(n, seed + 2) : roundHalf(dtype, randomF32(n, seed + 2))) : null;
      const out = pool.poisoned(outDtype, [t, n]);
      const db = b === null ? null : outF32 ? pool.f32([n], b) : pool.half(dtype, [n], b);
      gpuAddon().ops.gpuMatmul(pool.half(dtype, [t, k], x), pool.half(dtype, [n, k], w), db, out, BLAS);
      const got = outF32 ? out.download(new Float32Array(t * n)) : downloadHalf(dtype, out);
      const want = cpuMatmul(x, w, b, t, n, k);
      if (b !== null && !outF32) checkHalfWithBias(dtype, got, want, b);
      else expectMatmulClose(dtype, outF32, got, want);
    });

  it('reads x as a strided column slice of a wider tensor (bf16, 16-byte aligned slice)', () =>
    checkStridedInput(pool, 'bf16', 17, 64, 128, 384, 64, BLAS));

  it('writes out rows with a stride (a column slice of a wider f32 output)', () =>
    checkStridedOutput(pool, 'f16', 5, 24, 40, 64, BLAS));

  for (const path of ['blas', 'auto'] as const)
    it(`rejects bad arguments with coded errors (path ${path})`, () => {
      const { ops } = gpuAddon(), d = 'bf16', t = 4, n = 16, k = 32, o = { path };
      const x = pool.half(d, [t, k], randomF32(t * k, 11)), w = pool.half(d, [n, k], randomF32(n * k, 12));
      const out = pool.poisoned(d, [t, n]);
      const code = (c: string) => expect.objectContaining({ code: c });
      expect(() => ops.gpuMatmul(x, pool.half(d, [n, k + 8], randomF32(n * (k + 8), 13)), null, out, o))
        .toThrow(code('HS_SHAPE_MISMATCH'));
      expect(() => ops.gpuMatmul(x, w, null, pool.poisoned(d, [t, n + 1]), o)).toThrow(code('HS_SHAPE_MISMATCH'));
      expect(() => ops.gpuMatmul(x, w, null, pool.poisoned(d, [t + 1, n]), o)).toThrow(code('HS_SHAPE_MISMATCH'));
      expect(() => ops.gpuMatmul(x, pool.half('f16', [n, k], randomF32(n * k, 14)), null, out, o))
        .toThrow(code('HS_DTYPE_MISMATCH'));
      expect(() => ops.gpuMatmul(x, w, null, pool.poisoned('f16', [t, n]), o)).toThrow(code('HS_DTYPE_MISMATCH'));
      expect(() => ops.gpuMatmul(pool.f32([t, k], randomF32(t * k, 15)), w, null, out, o)).toThrow(code('HS_DTYPE_MISMATCH'));
      expect(() => ops.gpuMatmul(x, w, pool.half(d, [n + 1], randomF32(n + 1, 16)), out, o)).toThrow(code('HS_SHAPE_MISMATCH'));
      expect(() => ops.gpuMatmul(x, w, pool.f32([n], randomF32(n, 17)), out, o)).toThrow(code('HS_DTYPE_MISMATCH'));
      expect(() => ops.gpuMatmul(pool.half(d, [0, k], []), w, null, pool.poisoned(d, [0, n]), o)).toThrow(code('HS_EMPTY_BATCH'));
      const overlapping: DeviceTensorArg = { data: out.data, dtype: d, shape: [t, n], strides: [n / 2, 1] };
      expect(() => ops.gpuMatmul(x, w, null, overlapping, o)).toThrow(code('HS_INVALID_ARGUMENT'));
      // The good call still works after the rejected ones.
      ops.gpuMatmul(x, w, null, out, o);
      gpuAddon().gpu.synchronize(0);
    });
});
