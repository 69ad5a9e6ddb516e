import type { CurveChart, CurvePoint } from './dashboard-data.js';
import { byDate, loadLevel, numberField, seriesName, serveWorkload, type AnyResult } from './result-labels.js';

const LATENCY_KEY = /^(mean|median|p\d+(?:\.\d+)?)_(ttft|tpot|itl|e2el)_ms$/;

function point(r: AnyResult): CurvePoint | null {
  const throughput = numberField(r.results, 'output_throughput');
  if (throughput === null) return null;
  const latency: Record<string, number> = {};
  for (const [key, value] of Object.entries(r.results)) if (LATENCY_KEY.test(key) && typeof value === 'number') latency[key] = value;
  const { label, order } = loadLevel(r);
  return { level: label, order, outputThroughput: throughput, latency, commit: r.environment.gitCommit, date: r.environment.date };
}

/**
 * Throughput against latency: per workload, a curve per system × model × hardware through its load levels
 * (concurrency or request rate), each level at its latest run.
 */
export function serveCurves(results: readonly AnyResult[]): CurveChart[] {
  const charts = new Map<string, Map<string, Map<string, CurvePoint>>>();
  for (const r of [...results].filter((x) => x.kind === 'serve').sort(byDate)) {
    const p = point(r);
    if (!p) continue;
    const workload = serveWorkload(r);
    const curves = charts.get(workload) ?? new Map<string, Map<string, CurvePoint>>();
    charts.set(workload, curves);
    const name = seriesName(r);
    const levels = curves.get(name) ?? new Map<string, CurvePoint>();
    curves.set(name, levels);
    levels.set(p.level, p);  // later runs replace earlier ones
  }
  return [...charts].map(([workload, curves]) => ({
    workload,
    curves: [...curves].map(([name, levels]) => ({ name, points: [...levels.values()].sort((a, b) => a.order - b.order) })),
  }));
}

/** The latency keys present in every chart's points, medians first. */
export function latencyKeys(charts: readonly CurveChart[]): string[] {
  const keys = new Set<string>();
  for (const c of charts) for (const curve of c.curves) for (const p of curve.points) for (const k of Object.keys(p.latency)) keys.add(k);
  const rank = (k: string): number => (k.startsWith('median') ? 0 : k.startsWith('p') ? 1 : 2);
  const metricOrder = ['tpot', 'ttft', 'itl', 'e2el'];
  return [...keys].sort((a, b) => rank(a) - rank(b) ||
    metricOrder.indexOf(a.split('_').at(-2)!) - metricOrder.indexOf(b.split('_').at(-2)!) || a.localeCompare(b, 'en', { numeric: true }));
}
