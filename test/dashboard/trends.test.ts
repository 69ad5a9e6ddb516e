import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { trends } from '../../src/dashboard/trends.js';
import { serveRun } from './helpers/sample-results.js';

const day = (i: number): string => new Date(Date.UTC(2026, 0, 1 + i)).toISOString();

describe('trends across runs', () => {
  it('flag a throughput drop beyond 5% and a latency rise beyond 10% from the previous run, nothing else', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: 10, max: 1000, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true })), { minLength: 1, maxLength: 8 }),
      (runs) => {
        // Shuffled input order: trends sort by date.
        const results = runs.map(([tput, tpot], i) => serveRun(4, tput, tpot, { date: day(i), commit: `c${i}` })).reverse();
        const { trends: list, regressions } = trends(results);
        const tput = list.find((t) => t.metric === 'output_throughput')!;
        const tpot = list.find((t) => t.metric === 'median_tpot_ms')!;
        expect(tput.points.map((p) => p.value)).toEqual(runs.map((r) => r[0]));
        const expectedTput = runs.map((r, i) => i > 0 && (runs[i - 1]![0] - r[0]) / runs[i - 1]![0] > 0.05);
        const expectedTpot = runs.map((r, i) => i > 0 && (r[1] - runs[i - 1]![1]) / runs[i - 1]![1] > 0.1);
        expect(tput.points.map((p) => p.regression)).toEqual(expectedTput);
        expect(tpot.points.map((p) => p.regression)).toEqual(expectedTpot);
        const flagged = regressions.filter((r) => r.metric === 'output_throughput' || r.metric === 'median_tpot_ms');
        expect(flagged.map((r) => r.to.commit).sort()).toEqual(
          [...expectedTput.flatMap((f, i) => (f ? [`c${i}`] : [])), ...expectedTpot.flatMap((f, i) => (f ? [`c${i}`] : []))].sort());
      }));
  });

  it('keep series apart: another concurrency, model or hardware is another trend', () => {
    const { trends: list } = trends([
      serveRun(1, 100, 5, { date: day(0) }), serveRun(4, 300, 8, { date: day(0) }),
      serveRun(4, 280, 8, { date: day(1), hardware: 'MI300X' }), serveRun(4, 50, 8, { date: day(1), model: 'Qwen/Qwen3-0.6B' }),
    ]);
    const tput = list.filter((t) => t.metric === 'output_throughput');
    expect(tput).toHaveLength(4);
    expect(tput.every((t) => t.points.length === 1 && !t.points[0]!.regression)).toBe(true);
  });

  it('read kernel results as higher-is-better series', () => {
    const kernels = (value: number, i: number) => serveRun(1, 1, 1, {
      kind: 'kernels', date: day(i), config: {},
      results: { kernels: [{ name: 'matmul.gemv', shape: [1, 4096, 4096], dtype: 'f16', threads: 2, metric: 'GB/s weights', value }] },
    });
    const { regressions } = trends([kernels(20, 0), kernels(18, 1)]);
    expect(regressions).toHaveLength(1);
    expect(regressions[0]!.change).toBeCloseTo(-0.1, 9);
  });
});
