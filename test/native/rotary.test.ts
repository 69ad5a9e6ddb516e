import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32, rng } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();

/** [maxPosition, rotDim]: cos(p θ_i) in the first rotDim/2 columns, sin(p θ_i) in the rest. */
function cosSinCache(maxPosition: number, rotDim: number, base = 10000): Tensor<Float32Array> {
  const half = rotDim / 2;
  const cache = Tensor.f32([maxPosition, rotDim]);
  for (let p = 0; p < maxPosition; p++)
    for (let i = 0; i < half; i++) {
      const angle = p / base ** ((2 * i) / rotDim);
      cache.data[p * rotDim + i] = Math.cos(angle);
      cache.data[p * rotDim + half + i] = Math.sin(angle);
    }
  return cache;
}

/** Rotates each head of x [T, heads * headSize] by its token's position; pairs as the style says. */
function refRotary(positions: Int32Array, x: Float32Array, heads: number, headSize: number, cache: Float32Array,
  rotDim: number, isNeox: boolean): Float32Array {
  const out = x.slice();
  const half = rotDim / 2;
  positions.forEach((pos, t) => {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headSize;
      for (let i = 0; i < half; i++) {
        const cos = cache[pos * rotDim + i]!, sin = cache[pos * rotDim + half + i]!;
        const [ia, ib] = isNeox ? [i, i + half] : [2 * i, 2 * i + 1];
        const a = x[base + ia]!, b = x[base + ib]!;
        out[base + ia] = a * cos - b * sin;
        out[base + ib] = b * cos + a * sin;
      }
    }
  });
  return out;
}

function randomPositions(tokens: number, maxPosition: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: tokens }, () => Math.floor(r() * maxPosition));
}

const cases = [
  { name: 'neox, full rotary', tokens: 5, qHeads: 4, kHeads: 4, headSize: 64, rotDim: 64, isNeox: true },
  { name: 'gpt-j, full rotary', tokens: 5, qHeads: 4, kHeads: 4, headSize: 64, rotDim: 64, isNeox: false },
  { name: 'neox, partial rotary', tokens: 7, qHeads: 3, kHeads: 3, headSize: 128, rotDim: 32, isNeox: true },
  { name: 'gpt-j, partial rotary', tokens: 7, qHeads: 2, kHeads: 2, headSize: 64, rotDim: 32, isNeox: false },
  { name: 'neox, GQA', tokens: 9, qHeads: 8, kHeads: 2, headSize: 16, rotDim: 16, isNeox: true },
  { name: 'gpt-j, GQA, partial', tokens: 3, qHeads: 6, kHeads: 1, headSize: 24, rotDim: 12, isNeox: false },
  { name: 'one token, many heads', tokens: 1, qHeads: 32, kHeads: 8, headSize: 128, rotDim: 128, isNeox: true },
  { name: 'long prefill', tokens: 300, qHeads: 4, kHeads: 2, headSize: 64, rotDim: 64, isNeox: true },
];

describe('rotaryEmbedding', () => {
  const maxPosition = 4096;
  const caches = new Map<number, Tensor<Float32Array>>();
  const cacheFor = (rotDim: number) => caches.get(rotDim) ?? caches.set(rotDim, cosSinCache(maxPosition, rotDim)).get(rotDim)!;

  it.each(cases)('matches the reference: $name', ({ tokens, qHeads, kHeads, headSize, rotDim, isNeox }) => {
    const cache = cacheFor(rotDim);
    const positions = Tensor.i32([tokens], randomPositions(tokens, maxPosition, tokens * 31 + qHeads));
    const q = Tensor.f32([tokens, qHeads * headSize], randomF32(tokens * qHeads * headSize, 1));
    const k = Tensor.f32([tokens, kHeads * headSize], randomF32(tokens * kHeads * headSize, 2));
    const qRef = refRotary(positions.data, q.data, qHeads, headSize, cache.data, rotDim, isNeox);
    const kRef = refRotary(positions.data, k.data, kHeads, headSize, cache.data, rotDim, isNeox);
    ops.rotaryEmbedding(positions, q, k, cache, headSize, isNeox);
    expectClose(q.data, qRef);
    expectClose(k.data, kRef);
  });

  it('rotates q and k in place inside a fused qkv buffer, leaving v alone', async () => {
    const tokens = 6, qHeads = 4, kHeads = 2, headSize = 32, width = (qHeads + 2 * kHeads) * headSize;
    const cache = cacheFor(headSize);
    const positions = Tensor.i32([tokens], [0, 1, 2, 1000, 4095, 17]);
    const qkv = randomF32(tokens * width, 3);
    const before = qkv.slice();
    const q = { data: qkv, dtype: 'f32', shape: [tokens, qHeads * headSize], strides: [width, 1] } as const;
    const k = { data: qkv.subarray(qHeads * headSize), dtype: 'f32', shape: [tokens, kHeads * headSize], strides: [width, 1] } as const;
    await opsAsync.rotaryEmbedding(positions, q, k, cache, headSize, true);
    for (let t = 0; t < tokens; t++) {
      const row = (a: Float32Array, from: number, n: number) => a.slice(t * width + from, t * width + from + n);
      const qw = qHeads * headSize, kw = kHeads * headSize;
      const pos = Int32Array.of(positions.data[t]!);
      expectClose(row(qkv, 0, qw), refRotary(pos, row(before, 0, qw), qHeads, headSize, cache.data, headSize, true));
      expectClose(row(qkv, qw, kw), refRotary(pos, row(before, qw, kw), kHeads, headSize, cache.data, headSize, true));
      expect(row(qkv, qw + kw, kw)).toEqual(row(before, qw + kw, kw));
    }
  });

  it('rejects positions outside the cache before rotating anything', () => {
    const cache = cosSinCache(16, 8);
    for (const bad of [-1, 16, 2 ** 31 - 1]) {
      const q = Tensor.f32([2, 16], randomF32(32, 4)), k = Tensor.f32([2, 8], randomF32(16, 5));
      const [q0, k0] = [q.data.slice(), k.data.slice()];
      expect(() => ops.rotaryEmbedding(Tensor.i32([2], [3, bad]), q, k, cache, 8, true)).toThrow(
        expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
      expect(q.data).toEqual(q0);
      expect(k.data).toEqual(k0);
    }
  });

  it('rejects inconsistent head sizes, shapes and dtypes with coded errors', () => {
    const code = (c: string) => expect.objectContaining({ code: c });
    const pos = Tensor.i32([2], [0, 1]);
    const q = Tensor.f32([2, 16]), k = Tensor.f32([2, 8]);
    expect(() => ops.rotaryEmbedding(pos, q, k, cosSinCache(4, 8), 16, true)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.rotaryEmbedding(pos, q, k, cosSinCache(4, 8), 4, true)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.rotaryEmbedding(pos, q, k, cosSinCache(4, 8), 0, true)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.rotaryEmbedding(pos, q, k, Tensor.f32([4, 7]), 8, true)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.rotaryEmbedding(Tensor.i32([3]), q, k, cosSinCache(4, 8), 8, true)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.rotaryEmbedding(Tensor.f32([2]), q, k, cosSinCache(4, 8), 8, true)).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.rotaryEmbedding(pos, q, k, cosSinCache(4, 8), 8, 1 as unknown as boolean)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.rotaryEmbedding(Tensor.i32([0]), Tensor.f32([0, 16]), Tensor.f32([0, 8]), cosSinCache(4, 8), 8, true))
      .toThrow(code('HS_EMPTY_BATCH'));
  });
});
