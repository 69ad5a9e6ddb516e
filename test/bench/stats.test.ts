import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { mean, median, percentile, std } from '../../src/bench/stats.js';

/** numpy's linear percentile read off the piecewise-linear curve through (i / (n − 1), sorted[i]). */
function curvePercentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 1) return s[0]!;
  const q = p / 100;
  for (let i = 0; i + 1 < s.length; i++) {
    const x0 = i / (s.length - 1);
    const x1 = (i + 1) / (s.length - 1);
    if (q <= x1) return s[i]! + ((q - x0) / (x1 - x0)) * (s[i + 1]! - s[i]!);
  }
  return s.at(-1)!;
}

describe('summary statistics', () => {
  it('percentiles interpolate linearly between order statistics, as numpy does', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.double({ min: 0, max: 100, noNaN: true }), (values, p) => {
        expect(percentile(values, p)).toBeCloseTo(curvePercentile(values, p), 6);
      }));
  });

  it('median, mean and population std agree with their definitions', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 30 }), (values) => {
      const s = [...values].sort((a, b) => a - b);
      const mid = s.length >> 1;
      expect(median(values)).toBe(s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2);
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      expect(mean(values)).toBeCloseTo(m, 9);
      expect(std(values)).toBeCloseTo(Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length), 6);
    }));
  });

  it('gives 0 for no samples, as vLLM reports an empty metric', () => {
    expect([mean([]), std([]), median([]), percentile([], 99)]).toEqual([0, 0, 0, 0]);
  });
});
