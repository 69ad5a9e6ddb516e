// The one-run GPU benchmark's summary (test/gpu/bench-gpu.sh): reads every part's outputs under <parts dir> (one
// folder per part, with status.json: exit code, seconds, limit), writes ONE hipserve.bench/1 result of kind 'kernels'
// (src/bench/bench-result.ts; results.kernels as src/bench/kernels.ts's KernelResult, so `hipserve dashboard` trends
// every row; results.rows with the torch peers, results.parts with each part's status) and prints one table: each
// kernel row's time, measured rate, the peak it is compared with and its %, and the torch (or transformers) peer.
// A part that failed or timed out shows as "not measured (reason)".
// Usage: node test/gpu/bench-summary.mjs <parts dir> <out.json>   (after npm run build: it uses dist/)
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { environment } from '../../dist/src/bench/environment.js';
import { benchResult, writeResult } from '../../dist/src/bench/write-result.js';
import { findPeaks, PART_ROWS, readJson } from './bench-summary-parts.mjs';

/** Why a part has no rows, or a caveat for the rows it has, from its status.json and its out.txt. */
function partStatus(dir, part, rowCount) {
  const s = readJson(path.join(dir, 'status.json'));
  if (!s) return { part, rc: null, seconds: null, limit: null, measured: rowCount > 0, reason: 'not run' };
  const lines = outputLines(dir);
  const failedSteps = lines.filter((l) => /^step \S+: exit \d+/.test(l)); // bench-part.sh's note_rc
  let reason = null;
  if (s.skipped) reason = `skipped: ${s.skipped}`;
  else if (s.rc !== 0 && failedSteps.length > 0) reason = failedSteps.join('; ');
  else if (s.rc === 124 || s.rc === 137) reason = `stopped at ${s.seconds} s, the part's limit ${s.limit} s`;
  else if (s.rc !== 0) reason = `exit ${s.rc}: ${lastError(lines)}`;
  else if (rowCount === 0) reason = `no results: ${lastError(lines)}`;
  return { ...s, measured: rowCount > 0, reason };
}

function outputLines(dir) {
  try {
    return readFileSync(path.join(dir, 'out.txt'), 'utf8').split('\n').map((l) => l.trim())
      .filter((l) => l && !/^Node\.js v\d/.test(l));
  } catch {
    return [];
  }
}

function lastError(lines) {
  const error = lines.filter((l) => /error|exception|traceback|not found|no such|killed/i.test(l)).at(-1);
  return (error ?? lines.at(-1) ?? 'no output').slice(0, 160);
}

const fmt = (v, digits) => (v === null || v === undefined || !Number.isFinite(v) ? '-' :
  v >= 1000 ? v.toFixed(0) : v.toFixed(digits ?? (v >= 100 ? 0 : v >= 10 ? 1 : 2)));
const rate = (value, metric) => (value === null ? '-' : `${fmt(value)} ${metric}`);
const pct = (value, peak) => (peak && value !== null ? `${((100 * value) / peak.value).toFixed(0)}%` : '');

function printTable(peaks, parts, rowsByPart, commit) {
  const lines = [];
  lines.push(`hipserve GPU benchmark (test/gpu/bench-gpu.sh): ${peaks.device ?? 'GPU ?'}, torch ${peaks.torch ?? '?'}, ` +
    `commit ${commit?.slice(0, 10) ?? '?'}`);
  lines.push(`peaks, same run (${peaks.source}): device-to-device copy ${fmt(peaks.copyGbps)} GB/s (read + write), ` +
    `bf16 torch.matmul ${fmt(peaks.matmulTflops)} TFLOP/s`);
  lines.push(`columns: shape | µs per call | measured | % of the peak | peer (its µs, rate, % of the same peak) | note`);
  for (const st of parts) {
    const rows = rowsByPart[st.part];
    const time = st.seconds === null ? '' : `${st.seconds} s of ${st.limit} s`;
    if (!st.measured) {
      lines.push(`== ${st.part}: not measured (${st.reason})`);
      continue;
    }
    lines.push(`== ${st.part}${time ? `: ${time}` : ''}${st.reason ? `; ${st.reason}: the rows measured before` : ''}`);
    let kernel = null, note = null;
    for (const r of rows) {
      if (r.kernel !== kernel) {
        const vs = r.peak && r.peak.metric !== 'tok/s' ? ` (vs ${r.peak.name} ${fmt(r.peak.value)} ${r.peak.metric})` : '';
        lines.push(`  ${r.kernel}${vs}`);
        kernel = r.kernel;
        note = null;
      }
      const peak = r.peak?.metric === 'tok/s' ? ` of ${fmt(r.peak.value)}` : '';
      const peer = r.peer ? `${r.peer.name} ${r.peer.metric === 'tok/s' ? '' : `${fmt(r.peer.us)} µs `}` +
        `${rate(r.peer.value, r.peer.metric)}${r.peak ? ` ${pct(r.peer.value, r.peak)}` : ''}` : '';
      const shownNote = r.note !== note ? r.note ?? '' : '';
      note = r.note;
      const percent = r.percent === null ? '' : `${r.percent.toFixed(0)}%`;
      lines.push(`    ${r.shape.padEnd(44)} ${fmt(r.us).padStart(8)}  ${rate(r.value, r.metric).padStart(14)}` +
        `${peak}  ${percent.padStart(4)}  ${peer}${shownNote ? `  [${shownNote}]` : ''}`);
    }
  }
  lines.push(`part times: ${parts.map((s) => `${s.part} ${s.seconds ?? '-'}/${s.limit ?? '-'} s`).join(', ')}`);
  console.log(lines.join('\n'));
}

/** A row as the dashboard's kernels trend reads it (src/bench/kernels.ts KernelResult). */
function kernelResult(part, r) {
  return { name: `${part}: ${r.kernel} ${r.shape}`, shape: [], dtype: 'bf16', threads: 0, metric: r.metric,
    value: r.value, best: r.value, seconds: r.us === null ? null : r.us / 1e6,
    reference: r.peak && r.value !== null
      ? { name: r.peak.name, metric: r.peak.metric, value: r.peak.value, percent: r.percent } : null };
}

function main([partsDir, outFile]) {
  if (!partsDir || !outFile) throw new Error('usage: node test/gpu/bench-summary.mjs <parts dir> <out.json>');
  const peaks = findPeaks(partsDir);
  const rowsByPart = {}, parts = [];
  for (const [part, rowsOf] of Object.entries(PART_ROWS)) {
    const dir = path.join(partsDir, part);
    let rows = [];
    try {
      rows = rowsOf(dir, peaks);
    } catch (e) {
      console.error(`${part}: could not read its outputs: ${e.message}`);
    }
    rowsByPart[part] = rows;
    const status = partStatus(dir, part, rows.length);
    if (status.reason !== 'not run' || rows.length > 0) parts.push(status);
  }
  const env = environment({ hardware: peaks.device ?? 'GPU (not measured)' });
  printTable(peaks, parts, rowsByPart, env.gitCommit);
  const rows = parts.flatMap((s) => rowsByPart[s.part].map((r) => ({ part: s.part, ...r })));
  const e2e = readJson(path.join(partsDir, 'e2e', 'gpu-decode.json'));
  writeResult(outFile, benchResult('kernels', {
    label: 'gpu-bench',
    config: { command: 'bash test/gpu/bench-gpu.sh', parts: parts.map((s) => s.part), copyGbps: peaks.copyGbps,
      matmulTflops: peaks.matmulTflops, peaksFrom: peaks.source,
      shapeSets: Object.fromEntries(['GEMV_TOKENS', 'MATMUL_TOKENS', 'MOE_BENCH_TOKENS', 'MLA_BLOCKS', 'SAMPLING_VOCABS',
        'ELEMENTWISE_TOKENS'].filter((k) => process.env[k]).map((k) => [k, process.env[k]])) },
    environment: env,
    model: e2e?.model ?? null,
    results: { kernels: rows.map((r) => kernelResult(r.part, r)), rows, parts, peaks },
  }));
  console.log(`wrote ${outFile}: ${rows.length} rows from ${parts.filter((s) => s.measured).length} of ${parts.length} parts`);
}

main(process.argv.slice(2));
