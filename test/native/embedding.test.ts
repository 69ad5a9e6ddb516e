import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { bf16ToF32, f16ToF32, toBf16Array, toF16Array } from '../../bindings/half.js';
import { Tensor } from '../../bindings/tensor.js';
import { randomF32, rng } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * vocab));
}

/** out[t] = decode(table row ids[t]), element by element. */
function refEmbedding(ids: Int32Array, table: ArrayLike<number>, hidden: number, decode: (v: number) => number): Float32Array {
  const out = new Float32Array(ids.length * hidden);
  ids.forEach((id, t) => {
    for (let i = 0; i < hidden; i++) out[t * hidden + i] = decode(table[id * hidden + i]!);
  });
  return out;
}

const identity = (v: number): number => v;

/** Indices where the two differ (Object.is: NaN equals NaN, -0 differs from 0); empty when identical. */
function mismatches(actual: Float32Array, expected: Float32Array): number[] {
  expect(actual.length).toBe(expected.length);
  const bad: number[] = [];
  for (let i = 0; i < actual.length && bad.length < 10; i++) if (!Object.is(actual[i], expected[i])) bad.push(i);
  return bad;
}

describe('embedding', () => {
  for (const [tokens, vocab, hidden] of [[1, 1, 1], [5, 11, 7], [37, 500, 96], [3, 50, 4096]] as const) {
    it(`gathers f32, f16 and bf16 rows exactly for T=${tokens}, V=${vocab}, H=${hidden}`, () => {
      const ids = Tensor.i32([tokens], randomIds(tokens, vocab, tokens + vocab));
      const values = randomF32(vocab * hidden, hidden, 3);
      const tables = [
        { table: Tensor.f32([vocab, hidden], values), decode: identity },
        { table: Tensor.half('f16', [vocab, hidden], toF16Array(values)), decode: f16ToF32 },
        { table: Tensor.half('bf16', [vocab, hidden], toBf16Array(values)), decode: bf16ToF32 },
      ];
      for (const { table, decode } of tables) {
        const out = Tensor.f32([tokens, hidden]);
        ops.embedding(ids, table, out);
        expect(mismatches(out.data, refEmbedding(ids.data, table.data, hidden, decode))).toEqual([]);
      }
    });
  }

  it('decodes every 16-bit pattern (subnormals, infinities, NaN, -0) like bindings/half.ts', () => {
    const hidden = 256, vocab = 65536 / hidden;
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const ids = Tensor.i32([vocab], Int32Array.from({ length: vocab }, (_, i) => vocab - 1 - i));
    for (const [dtype, decode] of [['f16', f16ToF32], ['bf16', bf16ToF32]] as const) {
      const out = Tensor.f32([vocab, hidden]);
      ops.embedding(ids, Tensor.half(dtype, [vocab, hidden], bits), out);
      expect(mismatches(out.data, refEmbedding(ids.data, bits, hidden, decode))).toEqual([]);
    }
  });

  it('follows the table row stride and runs off the main thread', async () => {
    const vocab = 9, hidden = 16, rowStride = 20;
    const buf = randomF32(vocab * rowStride, 4);
    const ids = Tensor.i32([4], [8, 0, 3, 3]);
    const out = Tensor.f32([4, hidden]);
    await opsAsync.embedding(ids, { data: buf, dtype: 'f32', shape: [vocab, hidden], strides: [rowStride, 1] }, out);
    const dense = new Float32Array(vocab * hidden);
    for (let v = 0; v < vocab; v++) dense.set(buf.subarray(v * rowStride, v * rowStride + hidden), v * hidden);
    expect(mismatches(out.data, refEmbedding(ids.data, dense, hidden, identity))).toEqual([]);
  });

  it('rejects ids outside the table before writing anything', () => {
    const table = Tensor.f32([10, 4], randomF32(40, 5));
    for (const bad of [-1, 10, 2 ** 31 - 1, -(2 ** 31)]) {
      const out = Tensor.f32([3, 4]);
      expect(() => ops.embedding(Tensor.i32([3], [1, 2, bad]), table, out)).toThrow(
        expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
      expect(out.data.every((v) => v === 0)).toBe(true);
    }
  });

  it('rejects bad dtypes, shapes and empty batches with coded errors', () => {
    const table = Tensor.f32([10, 4]);
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(() => ops.embedding(Tensor.f32([2]), table, Tensor.f32([2, 4]))).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.embedding(Tensor.i32([2]), Tensor.i32([10, 4]), Tensor.f32([2, 4]))).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.embedding(Tensor.i32([2]), table, Tensor.f32([2, 5]))).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.embedding(Tensor.i32([3]), table, Tensor.f32([2, 4]))).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.embedding(Tensor.i32([0]), table, Tensor.f32([0, 4]))).toThrow(code('HS_EMPTY_BATCH'));
  });
});
