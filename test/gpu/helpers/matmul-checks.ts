/** What the GEMV (gemv.test.ts) and BLAS (matmul.test.ts) tests of gpuMatmul share: the CPU reference and checks. */
import { expect } from 'vitest';

import type { DeviceMatmulOptions, DeviceTensorArg } from '../../../bindings/gpu.js';
import { Tensor } from '../../../bindings/tensor.js';
import { maxViolation, randomF32 } from '../../helpers/random.js';
import {
  cpu, type DevicePool, downloadHalf, gpuAddon, halfViolation, relativeError, roundHalf, type HalfDType,
} from './gpu.js';

export interface MatmulCase {
  dtype: HalfDType;
  t: number;
  n: number;
  k: number;
  bias: boolean;
  outF32: boolean;
}

/** The CPU matmul (f32 in, f32 out) on the half-rounded inputs the GPU got. */
export function cpuMatmul(x: Float32Array, w: Float32Array, bias: Float32Array | null, t: number, n: number,
  k: number) {
  const out = Tensor.f32([t, n]);
  cpu.matmul(Tensor.f32([t, k], x), Tensor.f32([n, k], w), bias ? Tensor.f32([n], bias) : null, out);
  return out.data;
}

export function expectMatmulClose(dtype: HalfDType, outF32: boolean, got: Float32Array, want: Float32Array) {
  if (outF32) {
    expect(maxViolation(got, want, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
  } else {
    // f32 sums in another order may straddle a rounding boundary: atol covers that difference.
    expect(halfViolation(dtype, got, want, 1e-3)).toBeLessThanOrEqual(1);
    expect(relativeError(got, want)).toBeLessThan(dtype === 'bf16' ? 5e-3 : 1e-3);
  }
}

/** x read as columns [first, first + k) of a [t, wide] tensor: checked against the CPU on the same values. */
export function checkStridedInput(pool: DevicePool, dtype: HalfDType, t: number, n: number, k: number, wide: number,
  first: number, options: DeviceMatmulOptions) {
  const all = roundHalf(dtype, randomF32(t * wide, 7));
  const x = Float32Array.from({ length: t * k }, (_, j) => all[Math.floor(j / k) * wide + first + (j % k)]!);
  const w = roundHalf(dtype, randomF32(n * k, 8, 1 / Math.sqrt(k)));
  const dwide = pool.half(dtype, [t, wide], all);
  const xSlice: DeviceTensorArg = { data: dwide.data, dtype, shape: [t, k], strides: [wide, 1], byteOffset: first * 2 };
  const out = pool.poisoned(dtype, [t, n]);
  gpuAddon().ops.gpuMatmul(xSlice, pool.half(dtype, [n, k], w), null, out, options);
  expectMatmulClose(dtype, false, downloadHalf(dtype, out), cpuMatmul(x, w, null, t, n, k));
}

/** out written as columns [0, n) of a [t, wide] f32 tensor; the columns past n keep their poison (NaN). */
export function checkStridedOutput(pool: DevicePool, dtype: HalfDType, t: number, n: number, k: number, wide: number,
  options: DeviceMatmulOptions) {
  const x = roundHalf(dtype, randomF32(t * k, 9)), w = roundHalf(dtype, randomF32(n * k, 10, 0.2));
  const dout = pool.poisoned('f32', [t, wide]);
  const outSlice: DeviceTensorArg = { data: dout.data, dtype: 'f32', shape: [t, n], strides: [wide, 1] };
  gpuAddon().ops.gpuMatmul(pool.half(dtype, [t, k], x), pool.half(dtype, [n, k], w), null, outSlice, options);
  const all = dout.download(new Float32Array(t * wide));
  const got = Float32Array.from({ length: t * n }, (_, j) => all[Math.floor(j / n) * wide + (j % n)]!);
  expectMatmulClose(dtype, true, got, cpuMatmul(x, w, null, t, n, k));
  for (let r = 0; r < t; r++) expect(all.slice(r * wide + n, (r + 1) * wide).every(Number.isNaN)).toBe(true);
}
