import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { writeDashboard, type WrittenDashboard } from '../../src/dashboard/write-dashboard.js';
import { chromiumTitle, dumpDom, missingChromium, screenshot } from './helpers/chromium.js';
import { differingPixels, pixelsOfColor, readPng } from './helpers/png.js';
import { sampleResult, serveRun } from './helpers/sample-results.js';

const day = (i: number): string => new Date(Date.UTC(2026, 0, 1 + i, 12)).toISOString();
const count = (html: string, pattern: RegExp): number => html.match(pattern)?.length ?? 0;
/** The HTML between two ids of the dumped DOM (which also holds the page's script source). */
const between = (dom: string, from: string, to: string): string => dom.slice(dom.indexOf(`id="${from}"`), dom.indexOf(`id="${to}"`));

/** Three commits of a concurrency sweep for two systems (the last commit slower), kernels, and two evals. */
function writeSampleResults(dir: string): string[] {
  const results = [];
  for (const [i, slowdown] of [1, 1.02, 0.8].entries()) {
    for (const c of [1, 2, 4, 8]) {
      results.push(serveRun(c, 100 * c ** 0.7 * slowdown, 5 + c, { date: day(i), commit: `${i}`.repeat(40) }));
      results.push(serveRun(c, 80 * c ** 0.8, 6 + c, { date: day(i), commit: `${i}`.repeat(40), label: 'vllm' }));
    }
  }
  results.push(sampleResult({ kind: 'eval-gsm8k', date: day(2), config: { numShots: 5 }, results: { accuracy: 0.42, correct: 42, questions: 100, invalid_rate: 0.1 } }));
  results.push(sampleResult({ kind: 'eval-reference', date: day(2), config: { reference: 'llama.cpp' }, results: { token_agreement: 1, cases: 1, cases_matched: 1, max_logprob_diff: null } }));
  return results.map((r, i) => {
    const file = path.join(dir, `run-${i}.json`);
    writeFileSync(file, JSON.stringify(r));
    return file;
  });
}

describe.skipIf(missingChromium())(chromiumTitle('the dashboard page in headless Chromium'), () => {
  let dir: string;
  let page: string;
  let written: WrittenDashboard;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hipserve-dashboard-'));
    page = path.join(dir, 'dashboard.html');
    written = writeDashboard(writeSampleResults(dir), page);
  });

  it('draws a curve per system and a trend per series and metric, flags the regressions, lists the accuracy', async () => {
    const dom = await dumpDom(page);
    expect(dom).toContain('data-rendered="true"');
    const curvesHtml = between(dom, 'curves', 'regressions-panel');
    const curves = written.data.curveCharts.flatMap((c) => c.curves);
    expect(curves).toHaveLength(2);
    expect(count(curvesHtml, /class="series-line"/g)).toBe(curves.length);
    expect(count(curvesHtml, /<circle class="point/g)).toBe(curves.reduce((n, c) => n + c.points.length, 0));
    const trendsHtml = between(dom, 'trends', 'dashboard-data');
    const accuracyHtml = between(dom, 'accuracy', 'trends-panel');
    expect(count(trendsHtml, /class="trend-chart/g)).toBe(Math.min(24, written.data.trends.length));
    // The last commit is 20% slower at every concurrency, and its latencies are unchanged.
    expect(written.data.regressions.filter((r) => r.metric === 'output_throughput')).toHaveLength(4);
    expect(count(between(dom, 'regressions', 'accuracy-panel'), /<tr class="regression">/g)).toBe(written.data.regressions.length);
    expect(count(trendsHtml, /class="point flagged"/g)).toBeGreaterThan(0);
    expect(count(accuracyHtml, /<tr class="accuracy-row">/g)).toBe(2);
    expect(accuracyHtml).toContain('42.0%');
  });

  it('paints the charts: the screenshot differs from an empty page and shows the series colors', async () => {
    const empty = path.join(dir, 'empty.html');
    writeFileSync(empty, '<!doctype html><html><body></body></html>');
    await screenshot(page, path.join(dir, 'page.png'));
    await screenshot(empty, path.join(dir, 'empty.png'));
    const shot = readPng(path.join(dir, 'page.png'));
    const blank = readPng(path.join(dir, 'empty.png'));
    expect(differingPixels(shot, blank) / (shot.width * shot.height)).toBeGreaterThan(0.2);
    expect(pixelsOfColor(shot, '#1f77b4', 10)).toBeGreaterThan(500);  // first series
    expect(pixelsOfColor(shot, '#ff7f0e', 10)).toBeGreaterThan(500);  // second series
    expect(pixelsOfColor(blank, '#1f77b4', 10)).toBe(0);
  });
});
