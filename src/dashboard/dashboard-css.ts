/** The dashboard page's styles (inline: the page works offline). */
export const DASHBOARD_CSS = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; background: #fafafa; }
header { padding: 16px 24px; background: #1f2937; color: #f9fafb; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .meta { margin: 0; color: #d1d5db; }
header button { margin-left: 12px; }
main { padding: 8px 24px 32px; }
h2 { font-size: 18px; margin: 24px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 4px; color: #444; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px; }
figure.regressed { border-color: #d62728; }
.chart-title { font-size: 14px; font-weight: 600; fill: #111; }
.tick, .legend, .point-label { font-size: 11px; fill: #444; }
.axis-label { font-size: 12px; fill: #333; }
.grid line, line.grid { stroke: #e5e7eb; }
line.axis { stroke: #6b7280; }
.chart-empty { fill: #999; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: middle; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: #b91c1c; font-weight: 600; }
.ok { color: #15803d; }
.empty, .hint, .more { color: #555; }
.bar { width: 160px; height: 12px; background: #e5e7eb; border-radius: 3px; }
.bar-fill { height: 100%; background: #2ca02c; border-radius: 3px; }
code { font-size: 12px; }
`;
