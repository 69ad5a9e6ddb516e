/** What the dashboard page draws, computed from result files in Node and embedded in the page as JSON. */

export interface CurvePoint {
  /** e.g. "concurrency 4", "2 req/s". */
  readonly level: string;
  readonly order: number;
  readonly outputThroughput: number;
  /** Latency statistics of the run by result key (median_tpot_ms, p99_ttft_ms, ...). */
  readonly latency: Readonly<Record<string, number>>;
  readonly commit: string | null;
  readonly date: string;
}

/** One system × model × hardware across load levels (its latest run at each level). */
export interface Curve {
  readonly name: string;
  readonly points: readonly CurvePoint[];
}

/** Curves of one workload, which alone makes them comparable. */
export interface CurveChart {
  readonly workload: string;
  readonly curves: readonly Curve[];
}

export type Direction = 'higher' | 'lower';

export interface TrendPoint {
  readonly date: string;
  readonly commit: string | null;
  readonly value: number;
  /** Relative change from the previous run, null for the first. */
  readonly change: number | null;
  readonly regression: boolean;
}

/** One metric of one series (same kind, system, model, hardware, workload and level) over runs, oldest first. */
export interface Trend {
  readonly id: string;
  readonly series: string;
  readonly metric: string;
  readonly direction: Direction;
  readonly points: readonly TrendPoint[];
}

export interface Regression {
  readonly trendId: string;
  readonly series: string;
  readonly metric: string;
  readonly change: number;
  readonly from: { readonly commit: string | null; readonly date: string; readonly value: number };
  readonly to: { readonly commit: string | null; readonly date: string; readonly value: number };
}

export interface AccuracyRow {
  readonly task: string;
  readonly model: string;
  readonly hardware: string;
  readonly metric: string;
  /** A fraction in [0, 1]. */
  readonly value: number;
  readonly detail: string;
  readonly commit: string | null;
  readonly date: string;
}

export interface DashboardData {
  readonly generatedAt: string;
  readonly files: readonly string[];
  /** Latency keys the curves can be drawn against, e.g. median_tpot_ms. */
  readonly latencyKeys: readonly string[];
  readonly curveCharts: readonly CurveChart[];
  readonly trends: readonly Trend[];
  readonly regressions: readonly Regression[];
  readonly accuracy: readonly AccuracyRow[];
  /** Regression thresholds, as fractions. */
  readonly thresholds: { readonly throughput: number; readonly latency: number };
}
