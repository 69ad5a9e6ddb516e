import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();

function refSoftmax(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    for (let i = 0; i < cols; i++) out[r * cols + i] = Math.exp(row[i]! - max) / sum;
  }
  return out;
}

describe('softmax', () => {
  for (const [rows, cols] of [[1, 1], [1, 50], [3, 17], [9, 1000], [64, 33]] as const) {
    it(`matches the reference for [${rows}, ${cols}]`, () => {
      const x = Tensor.f32([rows, cols], randomF32(rows * cols, rows * 77 + cols, 8));
      const out = Tensor.f32([rows, cols]);
      ops.softmax(x, out);
      expectClose(out.data, refSoftmax(x.data, rows, cols), 1e-6);
    });
  }

  it('is stable for large logits and gives -inf a probability of exactly 0', () => {
    const x = Tensor.f32([2, 5], [1000, 999, -Infinity, 998, -1000, -Infinity, 3, 3, -Infinity, 2]);
    const out = Tensor.f32([2, 5]);
    ops.softmax(x, out);
    expectClose(out.data, refSoftmax(x.data, 2, 5), 1e-6);
    expect(out.data[2]).toBe(0);
    expect(out.data[8]).toBe(0);
  });

  it('works in place and off the main thread', async () => {
    const x = Tensor.f32([4, 300], randomF32(1200, 5, 10));
    const expected = refSoftmax(x.data, 4, 300);
    await opsAsync.softmax(x, x);
    expectClose(x.data, expected, 1e-6);
  });

  it('rejects bad arguments with coded errors', () => {
    expect(() => ops.softmax(Tensor.f32([2, 8]), Tensor.f32([2, 7]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(() => ops.softmax(Tensor.f32([8]), Tensor.f32([8]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(() => ops.softmax(Tensor.f32([2, 8]), Tensor.i32([2, 8]))).toThrow(expect.objectContaining({ code: 'HS_DTYPE_MISMATCH' }));
    expect(() => ops.softmax(Tensor.f32([0, 8]), Tensor.f32([0, 8]))).toThrow(expect.objectContaining({ code: 'HS_EMPTY_BATCH' }));
    const x = { data: new Float32Array(16), dtype: 'f32', shape: [2, 8], strides: [8, 2] } as const;
    expect(() => ops.softmax(x, Tensor.f32([2, 8]))).toThrow(expect.objectContaining({ code: expect.stringMatching(/^HS_/) }));
  });
});
