/**
 * Line charts as SVG text, for the dashboard page. These functions run in the browser as well as in Node: the page
 * embeds their source (`CHART_FUNCTIONS`), so each uses only its arguments, the other functions of this file and
 * built-ins — no imports, no module constants.
 *
 *        title
 *   y ┤ ─ ─ ─ ─ ─ ─ ─ ─   grid line at each nice tick
 *     │    ●───●          a series: a path through its points in their order, a circle per point (<title> = tooltip)
 *     │ ●─╯      ◉        a flagged point (a regression): larger, red ring
 *     └─┬────┬────┬──  x
 *                       legend below
 */

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  /** Drawn beside the point (e.g. the concurrency). */
  readonly label?: string;
  /** Tooltip. */
  readonly tip?: string;
  readonly flagged?: boolean;
}

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly ChartPoint[];
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
  /** Names for integer x positions (e.g. run dates), instead of numeric ticks. */
  readonly xCategories?: readonly string[];
  /** Start the y axis at 0 (throughputs). */
  readonly yFromZero?: boolean;
  /** Draw the legend (default true). */
  readonly legend?: boolean;
}

export function escapeXml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [min, max]; a flat range is widened. */
export function niceTicks(min: number, max: number, count: number): number[] {
  let lo = min;
  let hi = max;
  if (!(hi - lo > Math.max(Math.abs(lo), Math.abs(hi)) * 1e-6)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  if (!(raw >= 1e-300 && Number.isFinite(raw))) return [lo, hi];
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-12)) ?? 10 * magnitude;
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Short numbers for axes and labels: 1234 → 1.23k, 0.000123 → 1.23e-4. */
export function formatNumber(value: number): string {
  const a = Math.abs(value);
  if (a === 0) return '0';
  if (a >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (a >= 0.01) return String(Number(value.toPrecision(3)));
  return value.toExponential(1);
}

export function lineChartSvg(spec: LineChartSpec): string {
  const width = spec.width ?? 560;
  const height = spec.height ?? 320;
  const legend = spec.legend ?? true;
  const margin = { left: 64, right: 36, top: 32, bottom: 48 + (legend ? 18 * spec.series.length : 0) };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const points = spec.series.flatMap((s) => s.points);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
    `<text class="chart-title" x="${width / 2}" y="18" text-anchor="middle">${escapeXml(spec.title)}</text>`,
  ];
  if (points.length === 0) {
    out.push(`<text class="chart-empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text></svg>`);
    return out.join('');
  }
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const cats = spec.xCategories;
  const xPad = (Math.max(...xs) - Math.min(...xs)) * 0.04;
  const xTicks = cats ? cats.map((_, i) => i) : niceTicks(Math.min(...xs) - xPad, Math.max(...xs) + xPad, 5);
  const yTicks = niceTicks(spec.yFromZero ? Math.min(0, ...ys) : Math.min(...ys), Math.max(...ys), 5);
  const x0 = cats ? -0.5 : xTicks[0]!;
  const x1 = cats ? cats.length - 0.5 : xTicks[xTicks.length - 1]!;
  const y0 = yTicks[0]!;
  const y1 = yTicks[yTicks.length - 1]!;
  const sx = (x: number): number => margin.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number): number => margin.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;
  const f = (v: number): string => v.toFixed(1);

  out.push(`<g class="axes">`);
  for (const t of yTicks) {
    out.push(`<line class="grid" x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(sy(t))}" y2="${f(sy(t))}"/>`,
      `<text class="tick" x="${margin.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${formatNumber(t)}</text>`);
  }
  const every = Math.max(1, Math.ceil(xTicks.length / 8));
  xTicks.forEach((t, i) => {
    if (i % every !== 0) return;
    const label = cats ? cats[t] ?? '' : formatNumber(t);
    out.push(`<text class="tick" x="${f(sx(t))}" y="${margin.top + plotH + 16}" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  out.push(`<line class="axis" x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}"/>`,
    `<line class="axis" x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}"/>`,
    `<text class="axis-label" x="${margin.left + plotW / 2}" y="${margin.top + plotH + 34}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
    `</g>`);

  spec.series.forEach((s, i) => {
    const sorted = s.points;
    const d = sorted.map((p, k) => `${k === 0 ? 'M' : 'L'}${f(sx(p.x))},${f(sy(p.y))}`).join(' ');
    out.push(`<g class="series" data-series="${escapeXml(s.name)}">`);
    if (sorted.length > 1) out.push(`<path class="series-line" d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    for (const p of sorted) {
      out.push(`<circle class="point${p.flagged ? ' flagged' : ''}" cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="${p.flagged ? 6 : 4}" fill="${s.color}"` +
        `${p.flagged ? ' stroke="#d62728" stroke-width="3"' : ''}><title>${escapeXml(p.tip ?? `${s.name}: ${formatNumber(p.y)}`)}</title></circle>`);
      if (p.label) out.push(`<text class="point-label" x="${f(sx(p.x) + 7)}" y="${f(sy(p.y) - 7)}">${escapeXml(p.label)}</text>`);
    }
    if (legend) {
      const lx = margin.left;
      const ly = height - margin.bottom + 58 + 18 * i;
      out.push(`<rect class="legend-swatch" x="${f(lx)}" y="${ly - 9}" width="12" height="12" fill="${s.color}"/>`,
        `<text class="legend" x="${f(lx + 16)}" y="${ly + 1}">${escapeXml(s.name)}</text>`);
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}

/** A color per series index, distinguishable on white. */
export function seriesColor(index: number): string {
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  return palette[index % palette.length]!;
}

/** The functions above, in dependency-free order, for embedding their source in a page. */
export const CHART_FUNCTIONS = [escapeXml, niceTicks, formatNumber, lineChartSvg, seriesColor] as const;
