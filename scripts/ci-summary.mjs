#!/usr/bin/env node
// Prints "N passed, N failed, N skipped" from a vitest JSON report plus the build checks CI ran beside it
// (each `--check name=0|<exit code>` counts as one test that passed when its exit code is 0); exits 1 when the
// report is missing, anything failed, or no test ran. Usage: ci-summary.mjs [report.json] [--check name=rc ...]
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const checks = [];
let file = 'vitest-report.json';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--check') {
    const [name, rc] = (args[++i] ?? '').split('=');
    checks.push({ name, ok: rc === '0' });
  } else file = args[i];
}
const failedChecks = checks.filter((c) => !c.ok);
for (const c of failedChecks) console.error(`ci-summary: check failed: ${c.name}`);
const checksPassed = checks.length - failedChecks.length;

if (!existsSync(file)) {
  console.log(`${checksPassed} passed, ${failedChecks.length + 1} failed`);
  console.error(`ci-summary: ${file} was not written (the test run did not complete)`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = (report.numPassedTests ?? 0) + checksPassed;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0) + failedChecks.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
