import { accuracyRows } from './accuracy.js';
import type { DashboardData } from './dashboard-data.js';
import type { AnyResult } from './result-labels.js';
import { latencyKeys, serveCurves } from './serve-curves.js';
import { THRESHOLDS, trends } from './trends.js';

export function buildDashboardData(results: readonly AnyResult[], files: readonly string[], now = new Date()): DashboardData {
  const curveCharts = serveCurves(results);
  const { trends: trendList, regressions } = trends(results);
  return {
    generatedAt: now.toISOString(),
    files,
    latencyKeys: latencyKeys(curveCharts),
    curveCharts,
    trends: trendList,
    regressions,
    accuracy: accuracyRows(results),
    thresholds: THRESHOLDS,
  };
}
