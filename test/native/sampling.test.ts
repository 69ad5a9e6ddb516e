import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32, rng } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();
const code = (c: string) => expect.objectContaining({ code: c });

/** Random logits with some entries already masked to -inf and, optionally, values rounded so ties are common. */
function randomLogits(rows: number, vocab: number, seed: number, opts: { scale?: number; ties?: boolean } = {}): Tensor<Float32Array> {
  const r = rng(seed);
  const x = randomF32(rows * vocab, seed + 1, opts.scale ?? 4);
  for (let i = 0; i < x.length; i++) {
    if (opts.ties) x[i] = Math.round(x[i]! * 2) / 2;
    if (r() < 0.05) x[i] = -Infinity;
  }
  for (let b = 0; b < rows; b++) x[b * vocab + Math.floor(r() * vocab)] = opts.ties ? 2 : 1.25;  // a finite max per row
  return Tensor.f32([rows, vocab], x);
}

const rowMax = (row: Float32Array): number => row.reduce((m, v) => (v > m ? v : m), -Infinity);
const rowOf = (t: Tensor<Float32Array>, b: number): Float32Array => t.data.subarray(b * t.shape[1]!, (b + 1) * t.shape[1]!);

function refArgmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function refLogSoftmax(row: Float32Array): Float32Array {
  const max = rowMax(row);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row.map((v) => v - max - Math.log(sum));
}

/** Sorts the row, then applies each filter in the documented order to a boolean mask. */
function refTopKTopPMinP(row: Float32Array, topK: number, topP: number, minP: number): Float32Array {
  const order = [...row.keys()].sort((a, b) => row[b]! - row[a]!);
  const max = row[order[0]!]!;
  const kth = topK > 0 && topK < row.length ? row[order[topK - 1]!]! : -Infinity;
  const afterK = order.filter((i) => row[i]! >= kth);
  let pCut = -Infinity;
  if (topP < 1) {
    const z = afterK.reduce((s, i) => s + Math.exp(row[i]! - max), 0);
    let cum = 0;
    for (const i of afterK) {
      cum += Math.exp(row[i]! - max) / z;
      if (cum >= topP) { pCut = row[i]!; break; }
    }
  }
  const keep = (v: number) => v >= kth && v >= pCut && (minP <= 0 || Math.exp(v - max) >= minP);
  return row.map((v) => (keep(v) ? v : -Infinity));
}

function refSample(row: Float32Array, u: number): number {
  const max = rowMax(row);
  const w = [...row].map((v) => (v === -Infinity ? 0 : Math.exp(v - max)));
  const target = u * w.reduce((a, b) => a + b, 0);
  let cum = 0, last = -1;
  for (let i = 0; i < w.length; i++) {
    if (w[i]! > 0) {
      cum += w[i]!;
      last = i;
      if (cum > target) return i;
    }
  }
  return last;
}

describe('argmax', () => {
  for (const [rows, vocab] of [[1, 1], [1, 1000], [5, 17], [33, 4099]] as const) {
    it(`matches the reference for [${rows}, ${vocab}]`, () => {
      const logits = randomLogits(rows, vocab, rows + vocab);
      const out = Tensor.i32([rows]);
      ops.argmax(logits, out);
      expect([...out.data]).toEqual(Array.from({ length: rows }, (_, b) => refArgmax(rowOf(logits, b))));
    });
  }

  it('picks the lowest index on ties', async () => {
    const logits = Tensor.f32([3, 40], randomF32(120, 9));
    for (const [b, i, j] of [[0, 3, 30], [1, 0, 39], [2, 17, 18]] as const) {
      logits.data[b * 40 + i] = 5;
      logits.data[b * 40 + j] = 5;
    }
    const out = Tensor.i32([3]);
    await opsAsync.argmax(logits, out);
    expect([...out.data]).toEqual([3, 0, 17]);
  });

  it('rejects bad arguments with coded errors', () => {
    expect(() => ops.argmax(Tensor.f32([2, 4]), Tensor.i32([3]))).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.argmax(Tensor.f32([2, 4]), Tensor.f32([2]))).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.argmax(Tensor.f32([0, 4]), Tensor.i32([0]))).toThrow(code('HS_EMPTY_BATCH'));
    expect(() => ops.argmax(Tensor.f32([2, 0]), Tensor.i32([2]))).toThrow(code('HS_EMPTY_BATCH'));
  });
});

describe('topKTopPMinP', () => {
  const topKs = [0, -1, 1, 2, 5, 50, 999, 1 << 30];
  const topPs = [1, 0.95, 0.8, 0.5, 0.1, 0];
  const minPs = [0, 0.05, 0.3, 1];

  for (const [rows, vocab, ties] of [[1, 1, false], [8, 2, false], [24, 7, true], [48, 1000, false], [48, 1000, true], [6, 5000, false]] as const) {
    it(`matches a sort-based reference for [${rows}, ${vocab}]${ties ? ' with ties' : ''}`, () => {
      const r = rng(rows * 7 + vocab);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
      const logits = randomLogits(rows, vocab, vocab + rows, { ties });
      const topK = Tensor.i32([rows], Array.from({ length: rows }, () => pick(topKs)));
      const topP = Tensor.f32([rows], Array.from({ length: rows }, () => pick(topPs)));
      const minP = Tensor.f32([rows], Array.from({ length: rows }, () => pick(minPs)));
      const expected = Array.from({ length: rows }, (_, b) =>
        refTopKTopPMinP(rowOf(logits, b), topK.data[b]!, topP.data[b]!, minP.data[b]!));
      ops.topKTopPMinP(logits, topK, topP, minP);
      for (let b = 0; b < rows; b++) expect([...rowOf(logits, b)], `row ${b}`).toEqual([...expected[b]!]);
    });
  }

  it('keeps every tie at the top-k and top-p cut-offs', () => {
    const logits = Tensor.f32([2, 6], [3, 1, 2, 2, 2, 0, 1, 1, 1, 1, 0, 0]);
    ops.topKTopPMinP(logits, Tensor.i32([2], [2, 0]), Tensor.f32([2], [1, 0.3]), Tensor.f32([2], [0, 0]));
    expect([...logits.data]).toEqual([3, -Infinity, 2, 2, 2, -Infinity, 1, 1, 1, 1, -Infinity, -Infinity]);
  });

  it('reaches deep into a flat 152k vocabulary (top-p 0.999) without losing exactness', async () => {
    const rows = 2, vocab = 151936;
    const logits = randomLogits(rows, vocab, 42, { scale: 0.5 });
    const expected = [0, 1].map((b) => refTopKTopPMinP(rowOf(logits, b), [0, 40][b]!, 0.999, 0));
    await opsAsync.topKTopPMinP(logits, Tensor.i32([rows], [0, 40]), Tensor.f32([rows], [0.999, 0.999]), Tensor.f32([rows]));
    for (let b = 0; b < rows; b++) {
      const row = rowOf(logits, b), exp = expected[b]!;
      let diff = 0;
      for (let i = 0; i < vocab; i++) if (row[i] !== exp[i]) diff++;
      expect(diff, `row ${b}`).toBe(0);
    }
  });

  it('rejects NaN parameters and mismatched shapes with coded errors', () => {
    const logits = Tensor.f32([2, 8]);
    const k = Tensor.i32([2]), p = Tensor.f32([2], [1, 1]), m = Tensor.f32([2]);
    expect(() => ops.topKTopPMinP(logits, k, Tensor.f32([2], [0.5, NaN]), m)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.topKTopPMinP(logits, k, p, Tensor.f32([2], [NaN, 0]))).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.topKTopPMinP(logits, k, p, Tensor.f32([2], [0, 1.5]))).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.topKTopPMinP(logits, Tensor.i32([3]), p, m)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.topKTopPMinP(logits, Tensor.f32([2]), p, m)).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.topKTopPMinP(Tensor.f32([0, 8]), Tensor.i32([0]), Tensor.f32([0]), Tensor.f32([0]))).toThrow(code('HS_EMPTY_BATCH'));
  });
});

describe('logSoftmax', () => {
  for (const [rows, vocab] of [[1, 1], [3, 17], [16, 1000], [2, 151936]] as const) {
    it(`matches the reference for [${rows}, ${vocab}], -inf staying -inf`, () => {
      const x = randomLogits(rows, vocab, rows * 3 + vocab, { scale: 10 });
      const out = Tensor.f32([rows, vocab]);
      ops.logSoftmax(x, out);
      for (let b = 0; b < rows; b++) {
        const expected = refLogSoftmax(rowOf(x, b));
        expectClose(rowOf(out, b), expected);
        expect(rowOf(out, b).every((v, i) => (v === -Infinity) === (expected[i] === -Infinity))).toBe(true);
      }
    });
  }

  it('works in place and off the main thread', async () => {
    const x = randomLogits(4, 300, 8);
    const expected = [0, 1, 2, 3].map((b) => refLogSoftmax(rowOf(x, b)));
    await opsAsync.logSoftmax(x, x);
    for (let b = 0; b < 4; b++) expectClose(rowOf(x, b), expected[b]!);
  });

  it('rejects bad arguments with coded errors', () => {
    expect(() => ops.logSoftmax(Tensor.f32([2, 4]), Tensor.f32([2, 5]))).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.logSoftmax(Tensor.f32([0, 4]), Tensor.f32([0, 4]))).toThrow(code('HS_EMPTY_BATCH'));
  });
});

describe('sampleCategorical', () => {
  for (const [rows, vocab] of [[1, 1], [7, 3], [64, 1000], [4, 151936]] as const) {
    it(`draws the reference's ids from the same uniforms for [${rows}, ${vocab}]`, () => {
      const logits = randomLogits(rows, vocab, rows + 5 * vocab);
      const r = rng(vocab);
      const uniforms = Array.from({ length: rows }, (_, b) => (b === 0 ? 0 : b === 1 ? 1 - 2 ** -24 : r()));
      const out = Tensor.i32([rows]);
      ops.sampleCategorical(logits, Tensor.f32([rows], uniforms), out);
      const expected = Array.from({ length: rows }, (_, b) => refSample(rowOf(logits, b), Math.fround(uniforms[b]!)));
      expect([...out.data]).toEqual(expected);
      out.data.forEach((id, b) => expect(rowOf(logits, b)[id]).toBeGreaterThan(-Infinity));
    });
  }

  it('never draws a filtered-out token, even for u at either end of [0, 1)', () => {
    const rows = 200, vocab = 50;
    const logits = randomLogits(1, vocab, 3);
    const batch = Tensor.f32([rows, vocab]);
    for (let b = 0; b < rows; b++) batch.data.set(logits.data, b * vocab);
    ops.topKTopPMinP(batch, Tensor.i32([rows], new Array(rows).fill(5)), Tensor.f32([rows], new Array(rows).fill(1)),
      Tensor.f32([rows]));
    const uniforms = Array.from({ length: rows }, (_, b) => (b === 0 ? 0 : b === rows - 1 ? 1 - 2 ** -24 : b / rows));
    const out = Tensor.i32([rows]);
    ops.sampleCategorical(batch, Tensor.f32([rows], uniforms), out);
    const kept = new Set([...logits.data.keys()].sort((a, b) => logits.data[b]! - logits.data[a]!).slice(0, 5));
    for (const id of out.data) expect(kept.has(id)).toBe(true);
  });

  it('turns stratified uniforms into counts proportional to the softmax', async () => {
    const vocab = 12, draws = 6000;
    const row = randomLogits(1, vocab, 77, { scale: 2 });
    const logits = Tensor.f32([draws, vocab]);
    for (let b = 0; b < draws; b++) logits.data.set(row.data, b * vocab);
    const out = Tensor.i32([draws]);
    await opsAsync.sampleCategorical(logits, Tensor.f32([draws], Array.from({ length: draws }, (_, b) => (b + 0.5) / draws)), out);
    const counts = new Array<number>(vocab).fill(0);
    for (const id of out.data) counts[id]!++;
    const max = rowMax(row.data);
    const w = [...row.data].map((v) => Math.exp(v - max));
    const z = w.reduce((a, b) => a + b, 0);
    counts.forEach((c, i) => expect(Math.abs(c - (draws * w[i]!) / z)).toBeLessThanOrEqual(1));
  });

  it('rejects uniforms outside [0, 1), rows with nothing to draw and bad shapes', () => {
    const logits = Tensor.f32([2, 4]);
    const out = Tensor.i32([2]);
    for (const u of [1, -0.25, NaN, Infinity])
      expect(() => ops.sampleCategorical(logits, Tensor.f32([2], [0.5, u]), out)).toThrow(code('HS_INVALID_ARGUMENT'));
    const masked = Tensor.f32([2, 4], [0, 1, 2, 3, -Infinity, -Infinity, -Infinity, -Infinity]);
    expect(() => ops.sampleCategorical(masked, Tensor.f32([2], [0.5, 0.5]), out)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.sampleCategorical(logits, Tensor.f32([3]), out)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.sampleCategorical(logits, Tensor.f32([2]), Tensor.f32([2]))).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.sampleCategorical(Tensor.f32([0, 4]), Tensor.f32([0]), Tensor.i32([0]))).toThrow(code('HS_EMPTY_BATCH'));
  });
});
