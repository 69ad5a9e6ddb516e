import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { referencePagedAttention } from '../helpers/attention-reference.js';
import { expectClose } from '../helpers/expect-close.js';
import { makePagedBatch } from '../helpers/paged-batch.js';
import { randomF32, rng } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();

const numBlocks = 6, blockSize = 4, heads = 3, headSize = 5;
const cacheShape = [numBlocks, blockSize, heads, headSize];
const cacheSize = numBlocks * blockSize * heads * headSize;
const rowSize = heads * headSize;

/** What the caches hold after writing token t's rows at slots[t] (negative slots skipped). */
function referenceCache(before: Float32Array, rows: Float32Array, slots: readonly number[]): Float32Array {
  const after = before.slice();
  slots.forEach((slot, t) => {
    if (slot >= 0) after.set(rows.subarray(t * rowSize, (t + 1) * rowSize), slot * rowSize);
  });
  return after;
}

function setup(slots: readonly number[], seed: number) {
  const t = slots.length;
  return {
    key: Tensor.f32([t, heads, headSize], randomF32(t * rowSize, seed)),
    value: Tensor.f32([t, heads, headSize], randomF32(t * rowSize, seed + 1)),
    keyCache: Tensor.f32(cacheShape, randomF32(cacheSize, seed + 2)),
    valueCache: Tensor.f32(cacheShape, randomF32(cacheSize, seed + 3)),
    slotMapping: Tensor.i32([t], slots),
  };
}

describe('reshapeAndCache', () => {
  it('writes each token to its slot across scattered blocks, skipping negative slots', () => {
    const slots = [17, 3, -1, 4, 23, 0, -5, 12];
    const s = setup(slots, 1);
    const k0 = s.keyCache.data.slice(), v0 = s.valueCache.data.slice();
    ops.reshapeAndCache(s.key, s.value, s.keyCache, s.valueCache, s.slotMapping);
    expect(s.keyCache.data).toEqual(referenceCache(k0, s.key.data, slots));
    expect(s.valueCache.data).toEqual(referenceCache(v0, s.value.data, slots));
  });

  it('reads keys and values from a fused qkv buffer', () => {
    const slots = [5, 6, 7];
    const s = setup(slots, 2);
    const width = 4 * rowSize; // q (2 rows) | k | v
    const qkv = randomF32(3 * width, 3);
    const view = (offset: number) => ({
      data: qkv.subarray(offset), dtype: 'f32' as const, shape: [3, heads, headSize], strides: [width, headSize, 1] });
    const k0 = s.keyCache.data.slice(), v0 = s.valueCache.data.slice();
    ops.reshapeAndCache(view(2 * rowSize), view(3 * rowSize), s.keyCache, s.valueCache, s.slotMapping);
    const rowsAt = (offset: number) => {
      const out = new Float32Array(3 * rowSize);
      for (let t = 0; t < 3; t++) out.set(qkv.subarray(t * width + offset, t * width + offset + rowSize), t * rowSize);
      return out;
    };
    expect(s.keyCache.data).toEqual(referenceCache(k0, rowsAt(2 * rowSize), slots));
    expect(s.valueCache.data).toEqual(referenceCache(v0, rowsAt(3 * rowSize), slots));
  });

  it('fills caches that pagedAttention then reads back', async () => {
    const b = makePagedBatch({ seqs: [{ context: 9, query: 4 }, { context: 30, query: 1 }], numHeads: 4, numKvHeads: 2,
      headSize: 32, blockSize: 8, seed: 4 });
    // Write every token of every sequence again from separate key/value tensors, as a model step would.
    const slots: number[] = [];
    b.batch.seqLens.forEach((len, seq) => {
      for (let pos = 0; pos < len; pos++) slots.push(b.batch.blockTables[seq]![Math.floor(pos / 8)]! * 8 + (pos % 8));
    });
    const r = rng(5);
    const shuffledSlots = slots.map((s) => [r(), s] as const).sort((x, y) => x[0] - y[0]).map(([, s]) => s);
    const rows = 2 * 32, n = shuffledSlots.length;
    const key = Tensor.f32([n, 2, 32], randomF32(n * rows, 6)), value = Tensor.f32([n, 2, 32], randomF32(n * rows, 7));
    await opsAsync.reshapeAndCache(key, value, b.keyCache, b.valueCache, Tensor.i32([n], shuffledSlots));
    const out = Tensor.f32(b.q.shape);
    ops.pagedAttention(b.q, b.keyCache, b.valueCache, b.queryStartLoc, b.seqLens, b.blockTables, { scale: 0.2 }, out);
    const kv = { ...b.kv, keyCache: new Float32Array(b.keyCache.data.length), valueCache: new Float32Array(b.valueCache.data.length) };
    shuffledSlots.forEach((slot, t) => {
      kv.keyCache.set(key.data.subarray(t * rows, (t + 1) * rows), slot * rows);
      kv.valueCache.set(value.data.subarray(t * rows, (t + 1) * rows), slot * rows);
    });
    expectClose(out.data, referencePagedAttention(kv, b.batch, { scale: 0.2 }), 2e-5, 2e-4);
  });

  describe('input checks', () => {
    interface CacheArgs { key: Tensor; value: Tensor; keyCache: Tensor<Float32Array>; valueCache: Tensor<Float32Array>; slotMapping: Tensor }
    function expectCode(args: CacheArgs, code: string): void {
      const k0 = args.keyCache.data.slice(), v0 = args.valueCache.data.slice();
      expect(() => ops.reshapeAndCache(args.key, args.value, args.keyCache, args.valueCache, args.slotMapping)).toThrow(
        expect.objectContaining({ code }));
      expect(args.keyCache.data).toEqual(k0);
      expect(args.valueCache.data).toEqual(v0);
    }

    it('rejects a slot past the cache without writing anything', () => {
      expectCode(setup([0, 1, numBlocks * blockSize], 10), 'HS_OUT_OF_BOUNDS');
      expectCode(setup([0, 2 ** 31 - 1], 11), 'HS_OUT_OF_BOUNDS');
    });

    it('rejects mismatched shapes', () => {
      const s = setup([0, 1], 12);
      expectCode({ ...s, value: Tensor.f32([2, heads, headSize + 1]) }, 'HS_SHAPE_MISMATCH');
      expectCode({ ...s, key: Tensor.f32([2, heads + 1, headSize]), value: Tensor.f32([2, heads + 1, headSize]) }, 'HS_SHAPE_MISMATCH');
      expectCode({ ...s, valueCache: s.valueCache.rows(0, numBlocks - 1) }, 'HS_SHAPE_MISMATCH');
      expectCode({ ...s, slotMapping: Tensor.i32([3], [0, 1, 2]) }, 'HS_SHAPE_MISMATCH');
      expectCode({ ...s, keyCache: s.keyCache.reshape([numBlocks * blockSize, heads, headSize]) }, 'HS_SHAPE_MISMATCH');
    });

    it('rejects wrong dtypes and empty batches', () => {
      const s = setup([0, 1], 13);
      expectCode({ ...s, slotMapping: Tensor.f32([2], [0, 1]) }, 'HS_DTYPE_MISMATCH');
      expectCode({ ...s, key: new Tensor(new Int32Array(2 * rowSize), 'i32', [2, heads, headSize]) }, 'HS_DTYPE_MISMATCH');
      expectCode({ ...s, key: Tensor.f32([0, heads, headSize]), value: Tensor.f32([0, heads, headSize]),
        slotMapping: Tensor.i32([0]) }, 'HS_EMPTY_BATCH');
    });
  });
});
