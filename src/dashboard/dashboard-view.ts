/**
 * The dashboard's sections as HTML text, from its data and the reader's choices. Like svg-chart.ts these run in the
 * page (their source is embedded: `VIEW_FUNCTIONS`), so they use only their arguments, each other and built-ins;
 * the chart functions come in as `lib`.
 */
import type { DashboardData, Trend } from './dashboard-data.js';
import type { LineChartSpec } from './svg-chart.js';

export interface ChartLib {
  lineChartSvg(spec: LineChartSpec): string;
  escapeXml(text: string): string;
  formatNumber(value: number): string;
  seriesColor(index: number): string;
}

export interface ViewState {
  /** The latency statistic the curves are drawn against, e.g. median_tpot_ms. */
  latencyKey: string;
  /** Trends whose series or metric contains this text. */
  trendFilter: string;
  /** Trend charts shown at most (regressed ones first). */
  trendLimit: number;
}

/** "median_tpot_ms" → "median TPOT (ms)". */
export function metricLabel(key: string): string {
  const m = /^(mean|median|std|p[\d.]+)_(ttft|tpot|itl|e2el)_ms$/.exec(key);
  if (m) return `${m[1]} ${m[2]!.toUpperCase()} (ms)`;
  const s = /^(avg|p[\d.]+)_latency_s$/.exec(key);
  if (s) return `${s[1]} latency (s)`;
  return key.replace(/_/g, ' ');
}

export function shortCommit(commit: string | null, absent: string): string {
  return (commit ?? absent).slice(0, 8);
}

export function curvesSection(data: DashboardData, state: ViewState, lib: ChartLib): string {
  if (data.curveCharts.length === 0) return '<p class="empty">No serve results: run <code>hipserve bench serve --save-result</code> at a few --max-concurrency levels.</p>';
  const key = state.latencyKey;
  return data.curveCharts.map((chart) => {
    const series = chart.curves.map((curve, i) => ({
      name: curve.name,
      color: lib.seriesColor(i),
      points: curve.points.filter((p) => typeof p.latency[key] === 'number').map((p) => ({
        x: p.latency[key]!, y: p.outputThroughput, label: p.level.replace('concurrency ', 'c='),
        tip: `${curve.name}\n${p.level}: ${lib.formatNumber(p.outputThroughput)} tok/s at ${metricLabel(key)} ${lib.formatNumber(p.latency[key]!)}\n` +
          `${shortCommit(p.commit, 'no commit')} ${p.date.slice(0, 10)}`,
      })),
    }));
    return `<figure class="curve-chart" data-workload="${lib.escapeXml(chart.workload)}">${lib.lineChartSvg({
      title: chart.workload, xLabel: metricLabel(key), yLabel: 'output tokens/s', series, yFromZero: true, width: 620, height: 330 + 18 * series.length,
    })}</figure>`;
  }).join('');
}

function trendChart(t: Trend, lib: ChartLib): string {
  const categories = t.points.map((p) => p.date.slice(5, 16).replace('T', ' '));
  const points = t.points.map((p, i) => ({
    x: i, y: p.value, flagged: p.regression,
    label: p.regression && p.change !== null ? `${p.change > 0 ? '+' : ''}${(p.change * 100).toFixed(1)}%` : undefined,
    tip: `${shortCommit(p.commit, 'no commit')} ${p.date}\n${metricLabel(t.metric)}: ${lib.formatNumber(p.value)}` +
      `${p.change !== null ? ` (${p.change > 0 ? '+' : ''}${(p.change * 100).toFixed(1)}%)` : ''}`,
  }));
  const regressed = t.points.some((p) => p.regression);
  return `<figure class="trend-chart${regressed ? ' regressed' : ''}" data-trend="${lib.escapeXml(t.id)}">${lib.lineChartSvg({
    title: metricLabel(t.metric), xLabel: `run (${t.direction} is better)`, yLabel: metricLabel(t.metric),
    series: [{ name: t.series, color: regressed ? '#d62728' : lib.seriesColor(0), points }], xCategories: categories, legend: false, width: 420, height: 240,
  })}</figure>`;
}

export function trendsSection(data: DashboardData, state: ViewState, lib: ChartLib): string {
  const needle = state.trendFilter.trim().toLowerCase();
  const shown = data.trends
    .filter((t) => needle === '' || `${t.series} ${t.metric}`.toLowerCase().includes(needle))
    .sort((a, b) => Number(b.points.some((p) => p.regression)) - Number(a.points.some((p) => p.regression)));
  if (shown.length === 0) return '<p class="empty">No trends match.</p>';
  const groups = new Map<string, Trend[]>();
  for (const t of shown.slice(0, state.trendLimit)) groups.set(t.series, [...(groups.get(t.series) ?? []), t]);
  const more = shown.length > state.trendLimit ? `<p class="more">${shown.length - state.trendLimit} more: narrow the filter or show all.</p>` : '';
  return [...groups].map(([series, list]) =>
    `<section class="trend-group"><h3>${lib.escapeXml(series)}</h3><div class="grid">${list.map((t) => trendChart(t, lib)).join('')}</div></section>`,
  ).join('') + more;
}

export function regressionsSection(data: DashboardData, lib: ChartLib): string {
  const limits = `throughput −${data.thresholds.throughput * 100}%, latency +${data.thresholds.latency * 100}%`;
  if (data.regressions.length === 0) return `<p class="ok">No regressions beyond ${limits} from one run to the next.</p>`;
  const rows = data.regressions.map((r) => `<tr class="regression"><td>${lib.escapeXml(r.series)}</td><td>${metricLabel(r.metric)}</td>` +
    `<td class="num">${lib.formatNumber(r.from.value)} → ${lib.formatNumber(r.to.value)}</td><td class="num bad">${r.change > 0 ? '+' : ''}${(r.change * 100).toFixed(1)}%</td>` +
    `<td><code>${shortCommit(r.from.commit, '?')}</code> → <code>${shortCommit(r.to.commit, '?')}</code></td><td>${r.to.date.slice(0, 10)}</td></tr>`);
  return `<p class="bad">${data.regressions.length} regression(s) beyond ${limits}:</p><table><thead><tr><th>series</th><th>metric</th>` +
    `<th>value</th><th>change</th><th>commits</th><th>date</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function accuracySection(data: DashboardData, lib: ChartLib): string {
  if (data.accuracy.length === 0) return '<p class="empty">No accuracy results: run <code>hipserve eval</code> with --save-result.</p>';
  const rows = data.accuracy.map((a) => `<tr class="accuracy-row"><td>${lib.escapeXml(a.task)}</td><td>${lib.escapeXml(a.model)}</td>` +
    `<td>${lib.escapeXml(a.hardware)}</td><td>${lib.escapeXml(a.metric)}</td><td class="num">${(a.value * 100).toFixed(1)}%</td>` +
    `<td><div class="bar"><div class="bar-fill" style="width:${(Math.max(0, Math.min(1, a.value)) * 100).toFixed(1)}%"></div></div></td>` +
    `<td>${lib.escapeXml(a.detail)}</td><td><code>${shortCommit(a.commit, '?')}</code> ${a.date.slice(0, 10)}</td></tr>`);
  return `<table><thead><tr><th>task</th><th>model</th><th>hardware</th><th>metric</th><th>value</th><th></th><th>detail</th><th>run</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`;
}

/** The functions above, for embedding their source in a page. */
export const VIEW_FUNCTIONS = [metricLabel, shortCommit, curvesSection, trendChart, trendsSection, regressionsSection, accuracySection] as const;
