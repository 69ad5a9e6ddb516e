import type { Command } from 'commander';

import { shortCommit } from '../dashboard/dashboard-view.js';
import { writeDashboard } from '../dashboard/write-dashboard.js';

interface DashboardFlags {
  output: string;
  title?: string;
  failOnRegression?: boolean;
}

/** `hipserve dashboard results/*.json -o dashboard.html`. */
export function registerDashboard(program: Command): void {
  program.command('dashboard')
    .description('build one self-contained HTML page (works offline) from bench and eval result files')
    .argument('<results...>', 'result JSON files, or folders of them')
    .option('-o, --output <file>', 'the page to write', 'dashboard.html')
    .option('--title <title>', 'page title')
    .option('--fail-on-regression', 'exit with status 2 when a run regressed (throughput −5%, latency +10%) from the one before')
    .action((paths: string[], flags: DashboardFlags) => {
      const { data, skipped } = writeDashboard(paths, flags.output, flags.title);
      for (const s of skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
      const points = data.curveCharts.reduce((n, c) => n + c.curves.reduce((m, curve) => m + curve.points.length, 0), 0);
      console.log(`wrote ${flags.output}: ${data.files.length} file(s), ${data.curveCharts.length} throughput-latency chart(s) of ${points} point(s), ` +
        `${data.trends.length} trend(s), ${data.regressions.length} regression(s), ${data.accuracy.length} accuracy row(s)`);
      for (const r of data.regressions) {
        console.log(`  regression: ${r.series} ${r.metric} ${(r.change * 100).toFixed(1)}% (${shortCommit(r.from.commit, '?')} → ${shortCommit(r.to.commit, '?')})`);
      }
      if (flags.failOnRegression && data.regressions.length > 0) process.exitCode = 2;
    });
}
