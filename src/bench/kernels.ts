/**
 * Kernel micro-benchmark: `npm run bench:kernels -- [--threads N] [--json FILE]`.
 * Measures this run's memcpy bandwidth as the yardstick, then matmul as decode (GEMV, memory-bound: GB/s of
 * weights and % of memcpy) and as prefill (M = 16/64/128, compute-bound: GFLOP/s).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { loadAddon } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { memcpyBandwidth } from './memcpy-bandwidth.js';
import { randomWeights, type WeightDType } from './random-weights.js';
import { medianSeconds } from './timing.js';

export interface KernelResult {
  name: string;
  /** matmul: [M, N, K]; memcpy: [bytes]. */
  shape: number[];
  dtype: string;
  threads: number;
  metric: string;
  value: number;
  seconds: number;
  reference: { name: string; metric: string; value: number; percent: number } | null;
}

const DTYPES: readonly WeightDType[] = ['f32', 'f16', 'bf16'];
const GEMV_SHAPES = [[4096, 4096], [4096, 11008], [11008, 4096]] as const;  // [N, K]
const PREFILL_ROWS = [16, 64, 128] as const;
const PREFILL_SHAPE = [4096, 4096] as const;
// Weights cycle through copies totalling at least this much, so they come from DRAM as in a real model.
const ROTATION_BYTES = 256 * 2 ** 20;
const MEMCPY_BYTES = 256 * 2 ** 20;

const { ops, setNumThreads, cpuIsa } = loadAddon();

function timeMatmul(m: number, n: number, k: number, dtype: WeightDType): number {
  const bytes = n * k * (dtype === 'f32' ? 4 : 2);
  const first = randomWeights(dtype, n * k, 1);
  const copies = Array.from({ length: Math.max(2, Math.ceil(ROTATION_BYTES / bytes)) }, (_, i) => i === 0 ? first : first.slice());
  const weights: TensorArg[] = copies.map((data) => ({ data, dtype, shape: [n, k] }));
  const x: TensorArg = { data: randomWeights('f32', m * k, 2), dtype: 'f32', shape: [m, k] };
  const out: TensorArg = { data: new Float32Array(m * n), dtype: 'f32', shape: [m, n] };
  return medianSeconds((rep) => ops.matmul(x, weights[rep % weights.length]!, null, out));
}

function formatTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, json: { type: 'string' } } });
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads: expected a positive integer, got ${values.threads}`);
  setNumThreads(threads);

  const memcpy = await memcpyBandwidth(MEMCPY_BYTES, threads);
  const mib = memcpy.bytes / 2 ** 20;
  console.log(`hipserve kernel bench: cpu isa ${cpuIsa()}, ${threads} thread(s)`);
  console.log(`memcpy ${mib} MiB on ${threads} thread(s), best of 8: ${(memcpy.seconds * 1e3).toFixed(2)} ms`);
  console.log(`  read+write = 2·bytes/t = ${memcpy.readWriteGBs.toFixed(1)} GB/s; read = bytes/t = ${memcpy.readGBs.toFixed(1)} GB/s`);
  console.log('GEMV reads each weight once, so its GB/s (weight bytes / t) is compared with memcpy read GB/s.\n');

  const results: KernelResult[] = [
    { name: 'memcpy', shape: [memcpy.bytes], dtype: 'u8', threads, metric: 'GB/s read+write', value: memcpy.readWriteGBs, seconds: memcpy.seconds, reference: null },
    { name: 'memcpy', shape: [memcpy.bytes], dtype: 'u8', threads, metric: 'GB/s read', value: memcpy.readGBs, seconds: memcpy.seconds, reference: null },
  ];
  for (const [n, k] of GEMV_SHAPES)
    for (const dtype of DTYPES) {
      const seconds = timeMatmul(1, n, k, dtype);
      const gbs = (n * k * (dtype === 'f32' ? 4 : 2)) / seconds / 1e9;
      results.push({
        name: 'matmul.gemv', shape: [1, n, k], dtype, threads, metric: 'GB/s weights', value: gbs, seconds,
        reference: { name: 'memcpy', metric: 'GB/s read', value: memcpy.readGBs, percent: (100 * gbs) / memcpy.readGBs },
      });
    }
  for (const m of PREFILL_ROWS)
    for (const dtype of DTYPES) {
      const [n, k] = PREFILL_SHAPE;
      const seconds = timeMatmul(m, n, k, dtype);
      results.push({ name: 'matmul.prefill', shape: [m, n, k], dtype, threads, metric: 'GFLOP/s', value: (2 * m * n * k) / seconds / 1e9, seconds, reference: null });
    }

  const rows = [['kernel', 'M×N×K', 'dtype', 'ms', 'value', 'metric', '% memcpy read']];
  for (const r of results.filter((x) => x.name !== 'memcpy'))
    rows.push([r.name, r.shape.join('×'), r.dtype, (r.seconds * 1e3).toFixed(3), r.value.toFixed(1), r.metric,
      r.reference ? `${r.reference.percent.toFixed(0)}%` : '']);
  console.log(formatTable(rows));

  if (values.json) {
    writeFileSync(values.json, JSON.stringify({ bench: 'kernels', date: new Date().toISOString(), cpuIsa: cpuIsa(), threads, results }, null, 2) + '\n');
    console.log(`\nwrote ${values.json}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
