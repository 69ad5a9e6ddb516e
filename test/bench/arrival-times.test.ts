import { describe, expect, it } from 'vitest';

import { arrivalTimes } from '../../src/bench/serve/arrival-times.js';
import { SeededRandom } from '../../src/bench/seeded-random.js';
import { mean, std } from '../../src/bench/stats.js';

const gaps = (times: number[]): number[] => times.map((t, i) => t - (times[i - 1] ?? 0));

describe('request arrival times', () => {
  it('are all 0 at an infinite rate (a burst)', () => {
    expect(arrivalTimes(5, Infinity, 1, new SeededRandom(1))).toEqual([0, 0, 0, 0, 0]);
  });

  it('rise, end at n / rate, and repeat for a seed', () => {
    const t = arrivalTimes(200, 8, 1, new SeededRandom(3));
    expect(t.every((x, i) => i === 0 || x >= t[i - 1]!)).toBe(true);
    expect(t.at(-1)).toBeCloseTo(200 / 8, 9);
    expect(arrivalTimes(200, 8, 1, new SeededRandom(3))).toEqual(t);
  });

  it('have exponential gaps at burstiness 1 (coefficient of variation 1), burstier below, regular above', () => {
    const cv = (b: number): number => {
      const g = gaps(arrivalTimes(20000, 10, b, new SeededRandom(7)));
      return std(g) / mean(g);
    };
    // Gamma(k) gaps have coefficient of variation 1 / sqrt(k).
    expect(cv(1)).toBeCloseTo(1, 1);
    expect(cv(0.25)).toBeCloseTo(2, 1);
    expect(cv(4)).toBeCloseTo(0.5, 1);
    expect(std(gaps(arrivalTimes(100, 10, Infinity, new SeededRandom(7))))).toBeLessThan(1e-12);
  });
});
