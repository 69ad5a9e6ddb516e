import type { DashboardData } from './dashboard-data.js';
import { VIEW_FUNCTIONS } from './dashboard-view.js';
import { CHART_FUNCTIONS } from './svg-chart.js';
import { DASHBOARD_CSS } from './dashboard-css.js';

/** JSON safe inside <script>: no "</script>", no HTML comment openers, no line separators that end JS strings. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const functionSource = (fns: readonly ((...args: never[]) => unknown)[]): string => fns.map((f) => f.toString()).join('\n');

/** Runs in the page: reads the embedded data, draws the sections, redraws on the reader's choices. */
const BOOTSTRAP = `
const lib = { lineChartSvg, escapeXml, formatNumber, seriesColor };
const data = JSON.parse(document.getElementById('dashboard-data').textContent);
const state = { latencyKey: data.latencyKeys[0] || 'median_tpot_ms', trendFilter: '', trendLimit: 24 };
const $ = (id) => document.getElementById(id);
const select = $('latency-key');
select.innerHTML = data.latencyKeys.map((k) => '<option value="' + escapeXml(k) + '">' + escapeXml(metricLabel(k)) + '</option>').join('');
function render() {
  $('curves').innerHTML = curvesSection(data, state, lib);
  $('regressions').innerHTML = regressionsSection(data, lib);
  $('trends').innerHTML = trendsSection(data, state, lib);
  $('accuracy').innerHTML = accuracySection(data, lib);
  document.body.dataset.rendered = 'true';
}
select.addEventListener('change', () => { state.latencyKey = select.value; render(); });
$('trend-filter').addEventListener('input', (e) => { state.trendFilter = e.target.value; render(); });
$('trend-all').addEventListener('click', () => { state.trendLimit = Infinity; render(); });
$('download').addEventListener('click', () => {
  const blob = new Blob([$('results-data').textContent], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'hipserve-results.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});
render();
`;

/**
 * One self-contained page: styles, data (the dashboard's and the raw results, for download) and script inline, no
 * network. The charts draw in the page from the data, so the page needs JavaScript.
 */
export function dashboardHtml(data: DashboardData, rawResults: readonly unknown[], title = 'hipserve benchmarks'): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header>
  <h1>${esc(title)}</h1>
  <p class="meta">${data.files.length} result file(s), generated ${esc(data.generatedAt.slice(0, 19).replace('T', ' '))} UTC
  <button id="download" type="button">Download results JSON</button></p>
</header>
<main>
<section id="curves-panel"><h2>Throughput vs latency</h2>
  <p class="hint">Output tokens/s against <select id="latency-key" aria-label="latency statistic"></select>, one point per load level (the latest run at each); one curve per system · model · hardware.</p>
  <div id="curves" class="grid"></div></section>
<section id="regressions-panel"><h2>Regressions</h2><div id="regressions"></div></section>
<section id="accuracy-panel"><h2>Accuracy</h2><div id="accuracy"></div></section>
<section id="trends-panel"><h2>Trends across commits and dates</h2>
  <p class="hint"><input id="trend-filter" type="search" placeholder="filter: model, hardware, metric" aria-label="filter trends"> <button id="trend-all" type="button">Show all</button></p>
  <div id="trends"></div></section>
</main>
<noscript>This dashboard draws its charts with JavaScript.</noscript>
<script type="application/json" id="dashboard-data">${scriptJson(data)}</script>
<script type="application/json" id="results-data">${scriptJson(rawResults)}</script>
<script>
"use strict";
${functionSource(CHART_FUNCTIONS)}
${functionSource(VIEW_FUNCTIONS)}
${BOOTSTRAP}
</script>
</body>
</html>
`;
}
