import type { KernelResult } from '../bench/kernels.js';
import type { Direction, Regression, Trend, TrendPoint } from './dashboard-data.js';
import { byDate, loadLevel, numberField, seriesName, serveWorkload, type AnyResult } from './result-labels.js';

/** A throughput drop beyond 5% or a latency rise beyond 10% from the previous run is a regression. */
export const THRESHOLDS = { throughput: 0.05, latency: 0.1 } as const;

interface Measurement {
  readonly series: string;
  readonly metric: string;
  readonly direction: Direction;
  readonly value: number;
}

const SERVE_METRICS: readonly [string, Direction][] = [
  ['output_throughput', 'higher'], ['request_throughput', 'higher'], ['request_goodput', 'higher'],
  ...['ttft', 'tpot', 'itl', 'e2el'].flatMap((m) => [[`median_${m}_ms`, 'lower'], [`p99_${m}_ms`, 'lower']] as [string, Direction][]),
];
const OFFLINE_METRICS: Readonly<Record<string, readonly [string, Direction][]>> = {
  latency: [['avg_latency_s', 'lower'], ['p50_latency_s', 'lower'], ['p99_latency_s', 'lower']],
  throughput: [['requests_per_second', 'higher'], ['output_tokens_per_second', 'higher'], ['tokens_per_second', 'higher']],
};

function offlineWorkload(r: AnyResult): string {
  const c = r.config;
  const shape = `${numberField(c, 'inputLen')} → ${numberField(c, 'outputLen')} tokens`;
  return r.kind === 'latency' ? `batch ${numberField(c, 'batchSize')}, ${shape}` : `${numberField(c, 'numPrompts')} prompts, ${shape}`;
}

/** The metrics a result contributes to trends, each in its series. */
function measurements(r: AnyResult): Measurement[] {
  const pick = (series: string, metrics: readonly [string, Direction][]): Measurement[] => metrics.flatMap(([metric, direction]) => {
    const value = numberField(r.results, metric);
    return value === null || !Number.isFinite(value) ? [] : [{ series, metric, direction, value }];
  });
  switch (r.kind) {
    case 'serve':
      return pick(`serve · ${seriesName(r)} · ${serveWorkload(r)} · ${loadLevel(r).label}`, SERVE_METRICS);
    case 'latency':
    case 'throughput':
      return pick(`${r.kind} · ${seriesName(r)} · ${offlineWorkload(r)}`, OFFLINE_METRICS[r.kind]!);
    case 'kernels': {
      const kernels = (r.results.kernels ?? []) as KernelResult[];
      return kernels.filter((k) => Number.isFinite(k.value)).map((k) => ({
        series: `kernels · ${r.environment.hardware} · ${k.name} ${k.shape.join('×')} ${k.dtype}${k.threads > 0 ? `, ${k.threads} threads` : ''}`,
        metric: k.metric, direction: 'higher' as const, value: k.value,
      }));
    }
    default:
      return [];
  }
}

function isRegression(direction: Direction, change: number): boolean {
  return direction === 'higher' ? change < -THRESHOLDS.throughput : change > THRESHOLDS.latency;
}

/** Every series × metric over runs in date order, each run compared with the one before it. */
export function trends(results: readonly AnyResult[]): { trends: Trend[]; regressions: Regression[] } {
  const groups = new Map<string, { series: string; metric: string; direction: Direction; runs: { r: AnyResult; value: number }[] }>();
  const sorted = [...results].sort(byDate);
  for (const r of sorted) {
    for (const m of measurements(r)) {
      const id = `${m.series} :: ${m.metric}`;
      const group = groups.get(id) ?? { series: m.series, metric: m.metric, direction: m.direction, runs: [] };
      groups.set(id, group);
      group.runs.push({ r, value: m.value });
    }
  }
  const out: Trend[] = [];
  const regressions: Regression[] = [];
  for (const [id, g] of groups) {
    const points: TrendPoint[] = g.runs.map(({ r, value }, i) => {
      const prev = g.runs[i - 1]?.value;
      const change = prev === undefined || prev === 0 ? null : (value - prev) / Math.abs(prev);
      return { date: r.environment.date, commit: r.environment.gitCommit, value, change,
        regression: change !== null && isRegression(g.direction, change) };
    });
    points.forEach((p, i) => {
      if (!p.regression) return;
      const prev = points[i - 1]!;
      regressions.push({ trendId: id, series: g.series, metric: g.metric, change: p.change!,
        from: { commit: prev.commit, date: prev.date, value: prev.value }, to: { commit: p.commit, date: p.date, value: p.value } });
    });
    out.push({ id, series: g.series, metric: g.metric, direction: g.direction, points });
  }
  return { trends: out, regressions };
}
