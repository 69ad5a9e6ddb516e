import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();

function refRmsNorm(x: Float32Array, w: Float32Array, rows: number, hidden: number, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < hidden; i++) ss += x[r * hidden + i]! ** 2;
    const inv = 1 / Math.sqrt(ss / hidden + eps);
    for (let i = 0; i < hidden; i++) out[r * hidden + i] = x[r * hidden + i]! * inv * w[i]!;
  }
  return out;
}

describe('rmsNorm', () => {
  for (const [rows, hidden] of [[1, 1], [1, 64], [3, 17], [7, 4096], [33, 129]] as const) {
    it(`matches the reference for [${rows}, ${hidden}]`, () => {
      const x = Tensor.f32([rows, hidden], randomF32(rows * hidden, 1));
      const w = Tensor.f32([hidden], randomF32(hidden, 2));
      const out = Tensor.f32([rows, hidden]);
      ops.rmsNorm(x, w, 1e-6, out);
      expectClose(out.data, refRmsNorm(x.data, w.data, rows, hidden, 1e-6));
    });
  }

  it('fused add + norm updates the residual and normalises it in place', () => {
    const rows = 5, hidden = 96;
    const x = Tensor.f32([rows, hidden], randomF32(rows * hidden, 3));
    const res = Tensor.f32([rows, hidden], randomF32(rows * hidden, 4));
    const w = Tensor.f32([hidden], randomF32(hidden, 5));
    const sum = x.data.map((v, i) => v + res.data[i]!);
    ops.fusedAddRmsNorm(x, res, w, 1e-5);
    expectClose(res.data, sum);
    expectClose(x.data, refRmsNorm(sum, w.data, rows, hidden, 1e-5));
  });

  it('runs off the main thread as a Promise', async () => {
    const x = Tensor.f32([2, 8], randomF32(16, 6));
    const w = Tensor.f32([8], randomF32(8, 7));
    const out = Tensor.f32([2, 8]);
    await opsAsync.rmsNorm(x, w, 1e-6, out);
    expectClose(out.data, refRmsNorm(x.data, w.data, 2, 8, 1e-6));
  });

  it('rejects mismatched shapes with a coded error', async () => {
    const x = Tensor.f32([2, 8]);
    expect(() => ops.rmsNorm(x, Tensor.f32([7]), 1e-6, Tensor.f32([2, 8]))).toThrow(
      expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(() => ops.rmsNorm(Tensor.f32([0, 8]), Tensor.f32([8]), 1e-6, Tensor.f32([0, 8]))).toThrow(
      expect.objectContaining({ code: 'HS_EMPTY_BATCH' }));
    await expect(opsAsync.rmsNorm(x, Tensor.f32([8]), 1e-6, Tensor.f32([1, 8]))).rejects.toMatchObject({
      code: 'HS_SHAPE_MISMATCH' });
  });
});
