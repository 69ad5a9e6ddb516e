/**
 * Kernel micro-benchmark: `npm run bench:kernels -- [--threads N] [--json FILE]`.
 * Measures this run's memcpy bandwidth as the yardstick, then matmul as decode (GEMV, memory-bound: GB/s of
 * weights and % of memcpy) and as prefill (M = 16/64/128, compute-bound: GFLOP/s).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { loadAddon } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { environment } from './environment.js';
import { MemcpyProbe, type MemcpyBandwidth } from './memcpy-bandwidth.js';
import { randomWeights, type WeightDType } from './random-weights.js';
import { timeCalls, type Timing } from './timing.js';
import { benchResult, writeResult } from './write-result.js';

export interface KernelResult {
  name: string;
  /** matmul: [M, N, K]; memcpy: [bytes]. */
  shape: number[];
  dtype: string;
  threads: number;
  metric: string;
  /** From the median time; `best` from the fastest call. */
  value: number;
  best: number;
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

const bytesOf = (dtype: WeightDType): number => (dtype === 'f32' ? 4 : 2);

function timeMatmul(m: number, n: number, k: number, dtype: WeightDType): Timing {
  const { ops } = loadAddon();
  const first = randomWeights(dtype, n * k, 1);
  const copies = Math.max(2, Math.ceil(ROTATION_BYTES / (n * k * bytesOf(dtype))));
  const weights: TensorArg[] = Array.from({ length: copies }, (_, i) =>
    ({ data: i === 0 ? first : first.slice(), dtype, shape: [n, k] }));
  const x: TensorArg = { data: randomWeights('f32', m * k, 2), dtype: 'f32', shape: [m, k] };
  const out: TensorArg = { data: new Float32Array(m * n), dtype: 'f32', shape: [m, n] };
  return timeCalls((rep) => ops.matmul(x, weights[rep % weights.length]!, null, out));
}

export interface KernelBench {
  memcpy: MemcpyBandwidth;
  results: KernelResult[];
}

/**
 * Runs every case on `threads` kernel threads (and as many memcpy threads). Each GEMV is compared with a
 * memcpy measured just before it, so that a machine whose load changes during the run compares like with like.
 */
export async function runKernelBench(threads: number): Promise<KernelBench> {
  loadAddon().setNumThreads(threads);
  const probe = await MemcpyProbe.start(MEMCPY_BYTES, threads);
  try {
    const memcpy = probe.measure(8);
    const base = { shape: [memcpy.bytes], dtype: 'u8', threads, seconds: memcpy.seconds, reference: null };
    const results: KernelResult[] = [
      { name: 'memcpy', metric: 'GB/s read+write', value: memcpy.readWriteGBs, best: memcpy.readWriteGBs, ...base },
      { name: 'memcpy.read', metric: 'GB/s read', value: memcpy.readGBs, best: memcpy.readGBs, ...base },
    ];
    for (const [n, k] of GEMV_SHAPES)
      for (const dtype of DTYPES) {
        const { readGBs } = probe.measure(3);
        const t = timeMatmul(1, n, k, dtype);
        const bytes = n * k * bytesOf(dtype);
        const value = bytes / t.median / 1e9;
        const reference = { name: 'memcpy.read', metric: 'GB/s read', value: readGBs, percent: (100 * value) / readGBs };
        results.push({
          name: 'matmul.gemv', shape: [1, n, k], dtype, threads, metric: 'GB/s weights', value, best: bytes / t.best / 1e9,
          seconds: t.median, reference,
        });
      }
    for (const m of PREFILL_ROWS)
      for (const dtype of DTYPES) {
        const [n, k] = PREFILL_SHAPE;
        const t = timeMatmul(m, n, k, dtype);
        const flop = 2 * m * n * k;
        results.push({
          name: 'matmul.prefill', shape: [m, n, k], dtype, threads, metric: 'GFLOP/s', value: flop / t.median / 1e9,
          best: flop / t.best / 1e9, seconds: t.median, reference: null,
        });
      }
    return { memcpy, results };
  } finally {
    await probe.close();
  }
}

export function formatKernelBench({ memcpy, results }: KernelBench): string {
  const head = [
    `memcpy ${memcpy.bytes / 2 ** 20} MiB on ${memcpy.threads} thread(s), best of 8: ` +
      `${(memcpy.seconds * 1e3).toFixed(2)} ms`,
    `  read+write = 2·bytes/t = ${memcpy.readWriteGBs.toFixed(1)} GB/s; ` +
      `read = bytes/t = ${memcpy.readGBs.toFixed(1)} GB/s`,
    'GEMV reads each weight once, so its GB/s (weight bytes / t) is compared with memcpy read GB/s,',
    'measured again (best of 3) just before each GEMV case.',
    '',
  ];
  const rows = [['kernel', 'M×N×K', 'dtype', 'median ms', 'median', 'best', 'metric', 'memcpy read', '% of it (median)']];
  for (const r of results.filter((x) => x.name.startsWith('matmul')))
    rows.push([r.name, r.shape.join('×'), r.dtype, (r.seconds * 1e3).toFixed(3), r.value.toFixed(1), r.best.toFixed(1),
      r.metric, r.reference ? r.reference.value.toFixed(1) : '', r.reference ? `${r.reference.percent.toFixed(0)}%` : '']);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  return [...head, ...table].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, json: { type: 'string' } } });
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`--threads: expected a positive integer, got ${values.threads}`);
  const isa = loadAddon().cpuIsa();
  console.log(`hipserve kernel bench: cpu isa ${isa}, ${threads} thread(s)`);
  const bench = await runKernelBench(threads);
  console.log(formatKernelBench(bench));
  if (values.json) {
    writeResult(values.json, benchResult('kernels', {
      config: { threads, memcpyBytes: MEMCPY_BYTES, rotationBytes: ROTATION_BYTES },
      environment: environment({ threads, isa }),
      model: null,
      results: { kernels: bench.results },
    }));
    console.log(`\nwrote ${values.json}`);
  }
}

// Run as a script (npm run bench:kernels), not when imported for runKernelBench.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
