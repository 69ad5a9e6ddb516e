import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { caseName, makeMatmulProblem, matmulCases, matmulViolation } from '../helpers/matmul-cases.js';
import { randomF32 } from '../helpers/random.js';

const { ops, opsAsync, numThreads, setNumThreads } = loadAddon();

describe('matmul', () => {
  matmulCases().forEach((c, i) => {
    it(`matches the f64 reference for ${caseName(c)}`, () => {
      const p = makeMatmulProblem(c, 100 + i);
      ops.matmul(p.x, p.w, p.bias, p.out);
      expect(matmulViolation(p.out.data, p)).toBeLessThanOrEqual(1);
    });
  });

  for (const m of [3, 36])
    it(`gives the same bits on 1 thread as on 3 (M = ${m})`, () => {
      const p = makeMatmulProblem({ m, n: 203, k: 1100, dtype: 'bf16', bias: true }, 7);
      const threads = numThreads();
      try {
        setNumThreads(3);
        ops.matmul(p.x, p.w, p.bias, p.out);
        const parallel = p.out.data.slice();
        setNumThreads(1);
        ops.matmul(p.x, p.w, p.bias, p.out);
        expect(p.out.data).toEqual(parallel);
      } finally {
        setNumThreads(threads);
      }
    });

  it('writes only the M×N elements of a strided out and leaves the gaps alone', () => {
    const p = makeMatmulProblem({ m: 18, n: 9, k: 40, dtype: 'f32', bias: true }, 8);
    const stride = 12;
    const data = new Float32Array(17 * stride + 9).fill(-7);
    ops.matmul(p.x, p.w, p.bias, { data, dtype: 'f32', shape: [18, 9], strides: [stride, 1] });
    const rows = Array.from({ length: 18 }, (_, r) => data.subarray(r * stride, r * stride + 9));
    expect(matmulViolation(Float32Array.from(rows.flatMap((r) => [...r])), p)).toBeLessThanOrEqual(1);
    for (let r = 0; r < 17; r++) expect([...data.subarray(r * stride + 9, (r + 1) * stride)]).toEqual([-7, -7, -7]);
  });

  it('with K = 0 gives the bias', () => {
    const bias = Tensor.f32([3], [1, 2, 3]);
    const out = Tensor.f32([2, 3], [9, 9, 9, 9, 9, 9]);
    ops.matmul(Tensor.f32([2, 0]), Tensor.f32([3, 0]), bias, out);
    expect([...out.data]).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('runs off the main thread as a Promise', async () => {
    const p = makeMatmulProblem({ m: 5, n: 300, k: 64, dtype: 'bf16', bias: true }, 9);
    await opsAsync.matmul(p.x, p.w, p.bias, p.out);
    expect(matmulViolation(p.out.data, p)).toBeLessThanOrEqual(1);
  });

  describe('rejects bad arguments with a coded error', () => {
    const x = Tensor.f32([2, 8], randomF32(16, 1));
    const w = Tensor.f32([4, 8], randomF32(32, 2));
    const out = Tensor.f32([2, 4]);
    const f32View = (n: number, shape: number[], strides?: number[]) =>
      ({ data: new Float32Array(n), dtype: 'f32' as const, shape, ...(strides ? { strides } : {}) });
    const halfView = (dtype: 'f16' | 'bf16', shape: number[]) => Tensor.half(dtype, shape, new Uint16Array(16));
    const cases: [string, () => void, string][] = [
      ['x of f16', () => ops.matmul(halfView('f16', [2, 8]), w, null, out), 'HS_DTYPE_MISMATCH'],
      ['w of i32', () => ops.matmul(x, Tensor.i32([4, 8]), null, out), 'HS_DTYPE_MISMATCH'],
      ['out of bf16', () => ops.matmul(x, w, null, halfView('bf16', [2, 4])), 'HS_DTYPE_MISMATCH'],
      ['bias of bf16', () => ops.matmul(x, w, halfView('bf16', [4]), out), 'HS_DTYPE_MISMATCH'],
      ['1-D x', () => ops.matmul(x.reshape([16]), w, null, out), 'HS_SHAPE_MISMATCH'],
      ['3-D w', () => ops.matmul(x, w.reshape([1, 4, 8]), null, out), 'HS_SHAPE_MISMATCH'],
      ['K mismatch', () => ops.matmul(x, Tensor.f32([4, 7]), null, out), 'HS_SHAPE_MISMATCH'],
      ['out of the wrong shape', () => ops.matmul(x, w, null, Tensor.f32([2, 5])), 'HS_SHAPE_MISMATCH'],
      ['bias of the wrong length', () => ops.matmul(x, w, Tensor.f32([3]), out), 'HS_SHAPE_MISMATCH'],
      ['bias of 2 dims', () => ops.matmul(x, w, Tensor.f32([1, 4]), out), 'HS_SHAPE_MISMATCH'],
      ['no rows of x', () => ops.matmul(Tensor.f32([0, 8]), w, null, Tensor.f32([0, 4])), 'HS_EMPTY_BATCH'],
      ['no output features', () => ops.matmul(x, Tensor.f32([0, 8]), null, Tensor.f32([2, 0])), 'HS_EMPTY_BATCH'],
      ['w with a strided inner dim', () => ops.matmul(x, f32View(64, [4, 8], [16, 2]), null, out), 'HS_INVALID_ARGUMENT'],
      ['out overlapping x', () => ops.matmul(x, Tensor.f32([8, 8]), null, x), 'HS_INVALID_ARGUMENT'],
      ['out rows overlapping each other', () => ops.matmul(x, w, null, f32View(8, [2, 4], [2, 1])), 'HS_INVALID_ARGUMENT'],
      ['w data shorter than its shape', () => ops.matmul(x, f32View(31, [4, 8]), null, out), 'HS_OUT_OF_BOUNDS'],
      ['a non-tensor bias', () => ops.matmul(x, w, 3 as never, out), 'HS_INVALID_ARGUMENT'],
    ];
    for (const [name, call, code] of cases) it(name, () => expect(call).toThrow(expect.objectContaining({ code })));

    it('asynchronously too', async () => {
      await expect(opsAsync.matmul(x, Tensor.f32([4, 7]), null, out))
        .rejects.toMatchObject({ code: 'HS_SHAPE_MISMATCH' });
    });
  });
});
