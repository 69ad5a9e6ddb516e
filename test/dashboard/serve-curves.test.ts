import { describe, expect, it } from 'vitest';

import { latencyKeys, serveCurves } from '../../src/dashboard/serve-curves.js';
import { serveRun } from './helpers/sample-results.js';

describe('throughput-latency curves', () => {
  it('one chart per workload, one curve per system, model and hardware, its latest run at each level in load order', () => {
    const charts = serveCurves([
      serveRun(8, 400, 20, { date: '2026-01-02T00:00:00Z' }),
      serveRun(1, 100, 5, { date: '2026-01-01T00:00:00Z' }),
      serveRun(1, 120, 4, { date: '2026-01-03T00:00:00Z', commit: 'newer' }),
      serveRun(1, 90, 6, { date: '2026-01-02T00:00:00Z' }),
      serveRun(2, 150, 9, { date: '2026-01-01T00:00:00Z', label: 'vllm' }),
      serveRun(2, 999, 9, { date: '2026-01-01T00:00:00Z', config: { randomInputLen: 1024 } }),
    ]);
    expect(charts.map((c) => c.workload).sort()).toEqual(['random 1024 → 16 tokens', 'random 32 → 16 tokens']);
    const chart = charts.find((c) => c.workload === 'random 32 → 16 tokens')!;
    expect(chart.curves.map((c) => c.name).sort()).toEqual(['stories260K/hf · CPU Test (2 cores)', 'vllm · stories260K/hf · CPU Test (2 cores)']);
    const ours = chart.curves.find((c) => !c.name.startsWith('vllm'))!;
    expect(ours.points.map((p) => [p.level, p.outputThroughput, p.commit])).toEqual([['concurrency 1', 120, 'newer'], ['concurrency 8', 400, null]]);
    expect(ours.points[0]!.latency.median_tpot_ms).toBe(4);
  });

  it('offers the latency statistics the runs have, medians first', () => {
    const keys = latencyKeys(serveCurves([serveRun(1, 1, 1, { date: '2026-01-01T00:00:00Z' })]));
    expect(keys[0]).toBe('median_tpot_ms');
    expect(keys).toEqual(expect.arrayContaining(['median_ttft_ms', 'p99_ttft_ms', 'p99_tpot_ms', 'median_itl_ms', 'median_e2el_ms']));
  });
});
