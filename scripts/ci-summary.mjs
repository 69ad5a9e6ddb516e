#!/usr/bin/env node
// Prints "N passed, N failed, N skipped" from a vitest JSON report; exits 1 when the report is missing,
// holds a failure, or ran no test.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'vitest-report.json';
if (!existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`ci-summary: ${file} was not written (the test run did not complete)`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
