// test/gpu/bench-summary.mjs (the one-run GPU benchmark's summary) on part outputs written the way test/gpu's
// benches write them, with no GPU: the decode part's through bench-decode.mjs --merge itself.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { loadResults } from '../../src/dashboard/load-results.js';
import { repoPath } from '../helpers/shared-data.js';
import { missingBuild } from '../server/helpers/cli-server.js';

const run = promisify(execFile);
const skip = missingBuild();

const DECODE = 'llama3-8b B=1 ctx=4096 Hq=32 Hk=8 max=4096';
const DECODE_BYTES = 2 * 4096 * 8 * 128 * 2 + 2 * 32 * 128 * 2;

function write(dir: string, file: string, value: unknown): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), typeof value === 'string' ? value : JSON.stringify(value));
}

function status(dir: string, part: string, rc: number, seconds: number, limit: number, out = ''): void {
  write(dir, 'status.json', { part, rc, seconds, limit });
  write(dir, 'out.txt', out);
}

/** Every part's outputs in a temporary folder: sampling timed out with nothing, MLA timed out after one row. */
async function fakeParts(): Promise<string> {
  const root = mkdtempSync(path.join(tmpdir(), 'hipserve-gpu-bench-'));
  const p = (part: string) => path.join(root, part);
  write(p('peaks'), 'peaks.json',
    { device: 'NVIDIA H200', torch: '2.11', copy_gbps: 4000, matmul_tflops: 800, matmul_n: 8192 });
  status(p('peaks'), 'peaks', 0, 7, 20);

  const d = p('decode');
  write(d, 'bench-current.json', { device: 'NVIDIA H200 (sm_90, 132 CUs)',
    rows: [{ name: DECODE, bytes: DECODE_BYTES, us: 20, calls: 100, replicas: 16 }], profileOrder: [] });
  write(d, 'profile-current.json', { device: 'x', rows: [], profileOrder: [[DECODE, 3]] });
  write(d, 'torch.json', { copy_gbps: 4100, sdpa: { [DECODE]: 40 }, copy_us: { [DECODE]: 8.5 } });
  const ncuLine = (us: number) => `"0","1","node","h","void paged_decode_kernel<4>(...)","1","7","(128, 1, 1)",` +
    `"(8, 1, 1)","0","9.0","Command line profiler metrics","gpu__time_duration.sum","usecond","${us}"`;
  write(d, 'ncu-current.csv',
    `==PROF== Connected\n"ID","Metric Name","Metric Unit","Metric Value"\n${[17, 10, 30].map(ncuLine).join('\n')}\n`);
  await run(process.execPath, [repoPath('test/gpu/bench-decode.mjs'), '--merge', `${d}/bench-current.json`,
    `${d}/torch.json`, `${d}/ncu-current.csv`, `${d}/profile-current.json`, '--json', `${d}/decode-current.json`]);
  status(d, 'decode', 0, 50, 70);

  write(p('prefill'), 'hipserve.json',
    { device: 'x', rows: [{ b: 1, t: 4096, hq: 32, hk: 8, d: 128, ms: 2, flops: 4e11 }] });
  write(p('prefill'), 'torch.json', { device: 'x', matmul_tflops: 790, rows: [
    { b: 1, t: 4096, hq: 32, hk: 4, d: 128, ms: 0.25, flops: 4e11 }, // another shape of the same B and T
    { b: 1, t: 4096, hq: 32, hk: 8, d: 128, ms: 0.5, flops: 4e11 }] });
  status(p('prefill'), 'prefill', 0, 9, 25);
  write(p('matmul'), 'hipserve.json', { device: 'x', rows: [{ name: 'o', n: 4096, k: 4096, t: 2048, us: 100 }] });
  write(p('matmul'), 'torch.json', { copyGBs: 4000, results: [{ name: 'o', t: 2048, us: 90 }] });
  status(p('matmul'), 'matmul', 0, 9, 25);
  write(p('gemv'), 'hipserve.json', { device: 'x',
    linear: [{ name: 'o', n: 4096, k: 4096, t: 1, gemvUs: 11, blasUs: 13, autoUs: 11.2 }],
    gated: [{ name: 'down+silu', n: 4096, k: 14336, t: 1, autoUs: 40, gemvUs: 60, siluBlasUs: 39, siluGemvUs: 45 }] });
  write(p('gemv'), 'torch.json', { copyGBs: 4000, results: [{ name: 'o', t: 1, us: 13 }], fused: [{ t: 1, us: 36 }] });
  status(p('gemv'), 'gemv', 0, 20, 40);
  write(p('moe'), 'moe-hipserve.json', { rows: [
    { model: 'qwen3-30b-a3b', tokens: 1, distinctExperts: 8, weightBytes: 75e6, autoUs: 30, autoPath: 'decode' }] });
  status(p('moe'), 'moe', 1, 30, 55, 'Traceback (most recent call last):\nRuntimeError: CUDA out of memory\n');
  write(p('mla'), 'torch.json', { copy_gbps: 4000, mla: { 'B=1 ctx=1024': { matmul: 98, sdpa: 88 } } });
  write(p('mla'), 'bench-current.jsonl',
    '{"device":"x"}\n{"name":"B=1 ctx=1024 block=64","bytes":1500000,"graphUs":42,"hostUs":50}\n{"name":"B=1 ctx=4');
  status(p('mla'), 'mla', 124, 35, 35, 'step mla.node: exit 124 (past its 20 s limit)\n');
  status(p('sampling'), 'sampling', 124, 32, 32, 'something\n');
  write(p('elementwise'), 'hipserve.json', { device: 'x', copyGbps: 4000,
    rows: [{ op: 'rmsNorm', t: 1, bytes: 24576, graphUs: 3, eagerUs: 5, copies: 256, torchUs: null }] });
  write(p('elementwise'), 'torch.json', { copy_gbps: 4000, rows: [{ op: 'rmsNorm', t: 1, us: 6 }] });
  status(p('elementwise'), 'elementwise', 0, 12, 35);
  write(p('e2e'), 'gpu-decode.json', { schema: 'hipserve.bench/1', kind: 'kernels', model: { id: 'llama', path: '/m' },
    results: { rows: [{ batch: 1, context: 160, stepMs: 4.6, tokensPerSecond: 217, bytesPerStep: 15e9, hbmLimitMs: 3.5,
      fractionOfHbmLimit: 3.5 / 4.6, hfGenerateTokensPerSecond: 18, expertsReadPerLayer: null }] } });
  status(p('e2e'), 'e2e', 0, 150, 180);
  return root;
}

describe.skipIf(skip)(`bench-summary.mjs${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('merges every part into one dashboard result and a table, failed parts as not measured', async () => {
    const root = await fakeParts();
    const out = path.join(root, 'gpu-bench.json');
    const { stdout } = await run(process.execPath, [repoPath('test/gpu/bench-summary.mjs'), root, out],
      { env: { ...process.env, HIPSERVE_GIT_COMMIT: 'f'.repeat(40) } });

    expect(stdout).toContain('device-to-device copy 4000 GB/s');
    expect(stdout).toContain('== sampling: not measured (stopped at 32 s, the part\'s limit 32 s)');
    expect(stdout).toMatch(/== mla: 35 s of 35 s; step mla.node: exit 124 \(past its 20 s limit\): the rows measured/);
    expect(stdout).toMatch(/== moe: .*exit 1: RuntimeError: CUDA out of memory/);
    // The ncu median of three calls (17 µs, in usecond) beside torch SDPA, both against the peaks part's copy.
    const decodeLine = stdout.split('\n').find((l) => l.includes(DECODE))!;
    const gbps = DECODE_BYTES / 17 / 1e3;
    expect(decodeLine).toMatch(new RegExp(`17\\.0 +${gbps.toFixed(0)} GB/s +${(gbps / 40).toFixed(0)}%`));
    expect(decodeLine).toContain('torch SDPA 40.0 µs');
    expect(decodeLine).toContain('a copy of the same bytes 8.5 µs: 50% of its rate');

    const { results, skipped } = loadResults([out]);
    expect(skipped).toEqual([]);
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r).toMatchObject({ kind: 'kernels', label: 'gpu-bench',
      environment: { gitCommit: 'f'.repeat(40), hardware: 'NVIDIA H200' } });
    const parts = r.results.parts as { part: string; measured: boolean }[];
    expect(parts.filter((s) => !s.measured).map((s) => s.part)).toEqual(['sampling']);
    const kernels = r.results.kernels as { name: string; value: number; reference: { percent: number } | null }[];
    const e2e = kernels.find((k) => k.name.startsWith('e2e:'))!;
    expect(e2e.value).toBe(217);
    expect(e2e.reference!.percent).toBeCloseTo((100 * 3.5) / 4.6, 6);
    const prefill = kernels.find((k) => k.name.startsWith('prefill:'))!;
    expect(prefill.value).toBeCloseTo(4e11 / 2000 / 1e6, 6); // TFLOP/s against the 800 TFLOP/s peak
    expect(prefill.reference!.percent).toBeCloseTo((100 * 200) / 800, 6);
    const rows = r.results.rows as { part: string; peer: { value: number } | null }[];
    expect(rows.find((x) => x.part === 'e2e')!.peer!.value).toBe(18);
    expect(rows.find((x) => x.part === 'prefill')!.peer!.value).toBeCloseTo(4e11 / 500 / 1e6, 6); // its own shape's peer
    expect(JSON.parse(readFileSync(out, 'utf8')).results.kernels.length).toBe(kernels.length);
  });
});
