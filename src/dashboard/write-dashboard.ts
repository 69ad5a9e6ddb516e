import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { HipserveError } from '../errors.js';
import { buildDashboardData } from './build-dashboard-data.js';
import type { DashboardData } from './dashboard-data.js';
import { dashboardHtml } from './dashboard-html.js';
import { loadResults } from './load-results.js';

export interface WrittenDashboard {
  readonly data: DashboardData;
  readonly skipped: readonly { file: string; reason: string }[];
}

/** Reads result files, writes the page. */
export function writeDashboard(paths: readonly string[], output: string, title?: string): WrittenDashboard {
  const loaded = loadResults(paths);
  if (loaded.results.length === 0) {
    throw new HipserveError('invalid_request', `no hipserve result among ${paths.join(', ')}${loaded.skipped.length ? `: ${loaded.skipped.map((s) => `${s.file} (${s.reason})`).join('; ')}` : ''}`);
  }
  const data = buildDashboardData(loaded.results, loaded.files);
  mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  writeFileSync(output, dashboardHtml(data, loaded.results, title));
  return { data, skipped: loaded.skipped };
}
