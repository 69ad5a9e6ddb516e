import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();

const silu = (a: number): number => a / (1 + Math.exp(-a));
const geluTanh = (a: number): number => 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a ** 3)));

function refActAndMul(act: (a: number) => number, x: Float32Array, rows: number, inter: number): Float32Array {
  const out = new Float32Array(rows * inter);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < inter; i++) out[r * inter + i] = act(x[r * 2 * inter + i]!) * x[r * 2 * inter + inter + i]!;
  return out;
}

const kernels = [
  { name: 'siluAndMul', act: silu, run: ops.siluAndMul },
  { name: 'geluTanhAndMul', act: geluTanh, run: ops.geluTanhAndMul },
] as const;

describe.each(kernels)('$name', ({ name, act, run }) => {
  for (const [rows, inter] of [[1, 1], [1, 33], [3, 17], [7, 2048], [40, 129]] as const) {
    it(`matches the reference for [${rows}, 2 * ${inter}]`, () => {
      const x = Tensor.f32([rows, 2 * inter], randomF32(rows * 2 * inter, rows * 1000 + inter, 6));
      const out = Tensor.f32([rows, inter]);
      run(x, out);
      expectClose(out.data, refActAndMul(act, x.data, rows, inter));
    });
  }

  it('saturates cleanly for large magnitudes', () => {
    const gate = [-1e4, -500, -90, -20, 0, 20, 90, 500, 1e4];
    const x = Tensor.f32([1, 2 * gate.length], [...gate, ...gate.map(() => 1.5)]);
    const out = Tensor.f32([1, gate.length]);
    run(x, out);
    expectClose(out.data, refActAndMul(act, x.data, 1, gate.length));
  });

  it('reads and writes rows through their strides, leaving the gaps alone', () => {
    const rows = 4, inter = 24, xStride = 2 * inter + 5, outStride = inter + 3;
    const xBuf = randomF32(rows * xStride, 11, 3);
    const outBuf = new Float32Array(rows * outStride).fill(7);
    run({ data: xBuf, dtype: 'f32', shape: [rows, 2 * inter], strides: [xStride, 1] },
      { data: outBuf, dtype: 'f32', shape: [rows, inter], strides: [outStride, 1] });
    const dense = new Float32Array(rows * 2 * inter);
    for (let r = 0; r < rows; r++) dense.set(xBuf.subarray(r * xStride, r * xStride + 2 * inter), r * 2 * inter);
    const expected = refActAndMul(act, dense, rows, inter);
    for (let r = 0; r < rows; r++) {
      expectClose(outBuf.subarray(r * outStride, r * outStride + inter), expected.subarray(r * inter, (r + 1) * inter));
      expect([...outBuf.subarray(r * outStride + inter, (r + 1) * outStride)]).toEqual([7, 7, 7]);
    }
  });

  it('runs off the main thread as a Promise', async () => {
    const x = Tensor.f32([5, 64], randomF32(5 * 64, 12, 4));
    const out = Tensor.f32([5, 32]);
    await opsAsync[name](x, out);
    expectClose(out.data, refActAndMul(act, x.data, 5, 32));
  });

  it('rejects bad shapes, dtypes and empty batches with coded errors', () => {
    expect(() => run(Tensor.f32([2, 7]), Tensor.f32([2, 3]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(() => run(Tensor.f32([2, 8]), Tensor.f32([3, 4]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(() => run(Tensor.f32([2, 8]), Tensor.f32([2, 8]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(() => run(Tensor.i32([2, 8]), Tensor.f32([2, 4]))).toThrow(expect.objectContaining({ code: 'HS_DTYPE_MISMATCH' }));
    expect(() => run(Tensor.f32([0, 8]), Tensor.f32([0, 4]))).toThrow(expect.objectContaining({ code: 'HS_EMPTY_BATCH' }));
  });
});
