import { afterEach, describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import { randomF32 } from '../helpers/random.js';
import {
  cpu, DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfViolation, noGpu, relativeError, roundHalf,
} from './helpers/gpu.js';

describe.skipIf(noGpu)('gpuRmsNorm and gpuFusedAddRmsNorm', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  function cpuRmsNorm(x: Float32Array, w: Float32Array, rows: number, hidden: number, eps: number): Float32Array {
    const out = Tensor.f32([rows, hidden]);
    cpu.rmsNorm(Tensor.f32([rows, hidden], x), Tensor.f32([hidden], w), eps, out);
    return out.data;
  }

  // Rows in registers, 1 / 2 / 4 16-byte slices a thread: [1, 8], [7, 4096], [2, 8192]; [3, 12288]; [2, 24576] (3
  // slices' worth, 4 a thread, the last partly past the row). Two passes: [3, 17], [33, 129] (elements) and
  // [1, 40960] (wider than the register kernel takes).
  const shapes = [[1, 8], [3, 17], [7, 4096], [33, 129], [2, 8192], [3, 12288], [2, 24576], [1, 40960]] as const;
  for (const dtype of HALF_DTYPES)
    for (const [rows, hidden] of shapes) {
      it(`matches the CPU kernel for ${dtype} [${rows}, ${hidden}]`, () => {
        const x = roundHalf(dtype, randomF32(rows * hidden, rows + hidden, 3));
        const w = roundHalf(dtype, randomF32(hidden, hidden, 1.5));
        const out = pool.poisoned(dtype, [rows, hidden]);
        gpuAddon().ops.gpuRmsNorm(pool.half(dtype, [rows, hidden], x), pool.half(dtype, [hidden], w), 1e-6, out);
        const got = downloadHalf(dtype, out), want = cpuRmsNorm(x, w, rows, hidden, 1e-6);
        expect(halfViolation(dtype, got, want)).toBeLessThanOrEqual(1);
        expect(relativeError(got, want)).toBeLessThan(dtype === 'bf16' ? 5e-3 : 1e-3);
      });
    }

  for (const dtype of HALF_DTYPES)
    for (const hidden of [2048, 12288, 40960, 1000])
      it(`fused add + norm (${dtype}, H ${hidden}): residual becomes x + residual, x its norm`, () => {
        const rows = 5;
        const x = roundHalf(dtype, randomF32(rows * hidden, 3, 2));
        const res = roundHalf(dtype, randomF32(rows * hidden, 4, 2));
        const w = roundHalf(dtype, randomF32(hidden, 5));
        const dx = pool.half(dtype, [rows, hidden], x), dres = pool.half(dtype, [rows, hidden], res);
        gpuAddon().ops.gpuFusedAddRmsNorm(dx, dres, pool.half(dtype, [hidden], w), 1e-5);
        // The sum of two half values is exact in f32, so the stored residual is exactly its rounding.
        const sum = roundHalf(dtype, x.map((v, i) => v + res[i]!));
        expect(downloadHalf(dtype, dres)).toEqual(sum);
        const got = downloadHalf(dtype, dx);
        expect(halfViolation(dtype, got, cpuRmsNorm(sum, w, rows, hidden, 1e-5))).toBeLessThanOrEqual(1);
      });

  it('normalises in place (out aliasing x) and strided rows, aligned or not', () => {
    const dtype = 'bf16', rows = 4, hidden = 64;
    for (const stride of [64, 72, 65]) {
      const values = roundHalf(dtype, randomF32(rows * stride, stride));
      const buf = pool.half(dtype, [rows * stride], values);
      const view = { data: buf.data, dtype, shape: [rows, hidden], strides: [stride, 1] } as const;
      const w = roundHalf(dtype, randomF32(hidden, 9));
      gpuAddon().ops.gpuRmsNorm(view, pool.half(dtype, [hidden], w), 1e-6, view);
      const x = new Float32Array(rows * hidden);
      for (let r = 0; r < rows; r++) x.set(values.subarray(r * stride, r * stride + hidden), r * hidden);
      const want = cpuRmsNorm(x, w, rows, hidden, 1e-6);
      const all = downloadHalf(dtype, buf);
      for (let r = 0; r < rows; r++) {
        const got = all.subarray(r * stride, r * stride + hidden);
        expect(halfViolation(dtype, got, want.subarray(r * hidden, (r + 1) * hidden))).toBeLessThanOrEqual(1);
        expect(all.subarray(r * stride + hidden, (r + 1) * stride)).toEqual(values.subarray(r * stride + hidden, (r + 1) * stride));
      }
    }
  });

  it('runs off the main thread as a Promise', async () => {
    const x = roundHalf('f16', randomF32(2 * 256, 6));
    const w = roundHalf('f16', randomF32(256, 7));
    const out = pool.poisoned('f16', [2, 256]);
    await gpuAddon().opsAsync.gpuRmsNorm(pool.half('f16', [2, 256], x), pool.half('f16', [256], w), 1e-6, out);
    expect(halfViolation('f16', downloadHalf('f16', out), cpuRmsNorm(x, w, 2, 256, 1e-6))).toBeLessThanOrEqual(1);
  });

  it('rejects bad arguments with coded errors', async () => {
    const { ops, opsAsync } = gpuAddon();
    const x = pool.half('bf16', [2, 8], new Float32Array(16));
    const w = pool.half('bf16', [8], new Float32Array(8));
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(() => ops.gpuRmsNorm(x, pool.half('bf16', [7], new Float32Array(7)), 1e-6, x)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.gpuRmsNorm(x, pool.half('f16', [8], new Float32Array(8)), 1e-6, x)).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.gpuRmsNorm(pool.f32([2, 8], new Float32Array(16)), w, 1e-6, x)).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.gpuRmsNorm({ ...x, shape: [3, 8] }, w, 1e-6, x)).toThrow(code('HS_OUT_OF_BOUNDS'));
    expect(() => ops.gpuRmsNorm({ ...x, shape: [0, 8] }, w, 1e-6, { ...x, shape: [0, 8] })).toThrow(code('HS_EMPTY_BATCH'));
    expect(() => ops.gpuRmsNorm(Tensor.f32([2, 8]) as never, w, 1e-6, x)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuRmsNorm(x, w, -1, x)).toThrow(code('HS_INVALID_ARGUMENT'));
    await expect(opsAsync.gpuRmsNorm(x, pool.half('bf16', [9], new Float32Array(9)), 1e-6, x)).rejects.toMatchObject({
      code: 'HS_SHAPE_MISMATCH' });
  });
});
