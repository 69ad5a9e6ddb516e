// The host half of the DeviceSampler (no GPU needed): what it packs for one upload, checked by replaying the
// logits-processor kernel's rule (native/hip/sampling_logits_processors.h) on the packed lists against the host
// applyLogitsProcessors.
import { describe, expect, it } from 'vitest';

import { packDeviceSamplingStep, type DeviceSamplingStep } from '../../src/sampling/device-sampling-step.js';
import { Generator } from '../../src/sampling/generator.js';
import { applyLogitsProcessors } from '../../src/sampling/logits-processors.js';
import { isGreedy } from '../../src/sampling/sampling-params.js';
import { randomF32 } from '../helpers/random.js';
import { mixedRows } from '../helpers/sampling-rows.js';

/** The kernel's rule on row r of `logits`, from the packed step (f32 arithmetic as on the device). */
function replayProcessors(step: DeviceSamplingStep, logits: Float32Array, r: number, v: number): void {
  const f32 = new Float32Array(step.host), i32 = new Int32Array(step.host), w = step.words;
  const seg = (s: number) => i32[w.offsets + 4 * r + s]!;
  const x = logits.subarray(r * v, (r + 1) * v), id = (j: number) => i32[w.ids + j]!;
  if (seg(0) < seg(1)) {
    const keep = new Map<number, number>();
    for (let j = seg(0); j < seg(1); j++) keep.set(id(j), x[id(j)]!);
    x.fill(-Infinity);
    for (const [i, value] of keep) x[i] = value;
  }
  for (let j = seg(1); j < seg(2); j++) x[id(j)] = -Infinity;
  for (let j = seg(2); j < seg(3); j++) x[id(j)] = Math.fround(x[id(j)]! + f32[w.values + j]!);
  const [rep, freq, pres] = f32.subarray(w.penalties + 3 * r, w.penalties + 3 * r + 3);
  for (let j = seg(3); j < seg(4); j++) {
    let value = x[id(j)]!;
    if (rep !== 1) value = Math.fround(value > 0 ? value / rep! : value * rep!);
    const count = f32[w.values + j]!;
    if (count > 0 && (freq !== 0 || pres !== 0)) value = value - freq! * count - pres!;
    x[id(j)] = value;
  }
}

describe('packDeviceSamplingStep', () => {
  const v = 1000;

  it('packs token lists that reproduce the host logits processors', () => {
    const rows = mixedRows(v, 7), step = packDeviceSamplingStep(rows, 20);
    const logits = randomF32(rows.length * v, 3, 4), want = logits.slice(), counts = new Int32Array(v);
    rows.forEach((r, i) => {
      replayProcessors(step, logits, i, v);
      applyLogitsProcessors(want.subarray(i * v, (i + 1) * v), r, counts);
    });
    for (let i = 0; i < logits.length; i++) {
      if (want[i] === -Infinity) expect(logits[i]).toBe(-Infinity);
      else expect(Math.abs(logits[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!)));
    }
    expect(step.processors).toBe(true);
  });

  it('gives greedy rows temperature 0 and no uniform; the others one uniform each from their own generator', () => {
    const rows = mixedRows(v, 3), step = packDeviceSamplingStep(rows, 20);
    const f32 = new Float32Array(step.host), i32 = new Int32Array(step.host), w = step.words;
    const again = mixedRows(v, 3);
    rows.forEach((r, i) => {
      const greedy = isGreedy(r.params);
      expect(f32[w.temperature + i]).toBe(greedy ? 0 : Math.fround(r.params.temperature));
      expect(i32[w.topK + i]).toBe(greedy ? 0 : r.params.topK);
      expect(f32[w.uniform + i]).toBe(greedy ? 0 : again[i]!.generator.nextUniform());
      // The row's generator moved on exactly as many steps as the host Sampler moves it.
      expect(r.generator.nextUniform()).toBe(again[i]!.generator.nextUniform());
    });
  });

  it('lists the logprobs rows, the widest k, and whether their raw rows must be copied first', () => {
    const rows = mixedRows(v, 5), step = packDeviceSamplingStep(rows, 20);
    const want = rows.flatMap((r, i) => (r.params.logprobs !== null ? [i] : []));
    expect(step.logprobRows).toEqual(want);
    expect(Array.from(new Int32Array(step.host, 4 * step.words.rowIndex))).toEqual(want);
    expect(step.topK).toBe(20);
    expect(step.gather).toBe(true);
    expect(() => packDeviceSamplingStep(rows, 10)).toThrow(RangeError);
    const plain = packDeviceSamplingStep([{ ...rows[2]!, generator: new Generator(1) }], 20);
    expect(plain).toMatchObject({ processors: false, numTokens: 0, gather: false, topK: 0 });
  });
});
