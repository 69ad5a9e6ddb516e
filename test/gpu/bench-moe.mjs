// Fused-MoE timings (not a test) at Qwen3-30B-A3B and DeepSeek-V3 layer shapes, bf16, random routing with a fixed
// seed. Writes the routing of every case to <dir>/ids-<model>-<T>.i32 so that the torch peer (bench-moe.py) runs the
// same ids, and its numbers to <dir>/moe-hipserve.json; bench-moe.py prints both side by side.
//
// Each path is timed twice: eager (N calls enqueued back to back, then one gpu.synchronize) and replayed from a
// graph captured once (gpu.captureGraph; N replays, then one synchronize), the better counting, as for torch.
// `call overhead` is an empty-sized op timed the eager way: the host cost of one call. The decode path is timed up
// to DECODE_MAX_TOKENS only (each of its blocks scans all T·k ids). MOE_BENCH_SECONDS: time per measurement;
// MOE_BENCH_TOKENS: which T (comma-separated).
// Usage: node test/gpu/bench-moe.mjs <dir> [addon.node]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deviceTensors, loadAddon } from './bench-common.mjs';

const dir = process.argv[2] ?? '/tmp/bench-moe';
const { gpu, ops } = loadAddon(process.argv[3]);
const { tensor } = deviceTensors(gpu);
mkdirSync(dir, { recursive: true });

const MODELS = [
  { name: 'qwen3-30b-a3b', hidden: 2048, inter: 768, experts: 128, topK: 8 },
  { name: 'deepseek-v3', hidden: 7168, inter: 2048, experts: 256, topK: 8 },
];
const TOKENS = process.env.MOE_BENCH_TOKENS?.split(',').map(Number) ?? [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const DECODE_MAX_TOKENS = 64;
// The automatic choice of native/hip/moe_fused.h (kMoeDecodeMaxTokens).
const AUTO_DECODE_MAX_TOKENS = 32;
const SECONDS = Number(process.env.MOE_BENCH_SECONDS ?? 0.1);

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBf16(n, seed, scale) {
  const r = rng(seed), out = new Uint16Array(n), f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let i = 0; i < n; i++) {
    f[0] = (r() * 2 - 1) * scale;
    out[i] = u[0] >>> 16;
  }
  return out;
}

/** A large weight tensor filled with one random 64 MiB chunk over and over (the values do not change timings). */
function weights(shape, seed, scale) {
  const t = tensor('bf16', shape);
  const chunk = randomBf16(32 << 20, seed, scale);
  for (let off = 0; off < t.data.byteLength; off += chunk.byteLength) {
    const n = Math.min(chunk.byteLength, t.data.byteLength - off);
    t.data.upload(n === chunk.byteLength ? chunk : chunk.subarray(0, n / 2), off);
  }
  return t;
}

/** Seconds per run of `run` (which enqueues work without waiting): enough runs for about `seconds`. */
function timed(run, seconds) {
  for (let i = 0; i < 3; i++) run();
  gpu.synchronize(0);
  let t0 = performance.now();
  run();
  gpu.synchronize(0);
  const once = Math.max(performance.now() - t0, 1e-3);
  const iters = Math.max(10, Math.min(400, Math.round((seconds * 1e3) / once)));
  t0 = performance.now();
  for (let i = 0; i < iters; i++) run();
  gpu.synchronize(0);
  return (performance.now() - t0) / 1e3 / iters;
}

/** Eager and graph-replayed seconds per call of `call`. */
function eagerAndGraph(call, seconds) {
  const eager = timed(call, seconds);
  const g = gpu.captureGraph(0, call);
  try {
    return { eager, graph: timed(() => g.replay(), seconds) };
  } finally {
    g.dispose();
  }
}

function routing(t, experts, k, seed) {
  const r = rng(seed), ids = new Int32Array(t * k);
  for (let row = 0; row < t; row++) {
    const chosen = new Set();
    while (chosen.size < k) chosen.add(Math.floor(r() * experts));
    ids.set([...chosen], row * k);
  }
  return ids;
}

const device = gpu.deviceInfo(0);
const results = { device: device.name, arch: device.arch, rows: [] };
{
  const x = tensor('bf16', [1, 16], new Uint16Array(16)), out = tensor('bf16', [1, 8]);
  results.callOverheadUs = timed(() => ops.gpuSiluAndMul(x, out), 0.2) * 1e6;
  console.log(`call overhead (gpuSiluAndMul [1, 16], eager): ${results.callOverheadUs.toFixed(1)} us`);
}

for (const m of MODELS) {
  const { hidden: h, inter: i, experts: e, topK: k } = m;
  const w13 = weights([e, 2 * i, h], 1, 0.02), w2 = weights([e, h, i], 2, 0.02);
  for (const t of TOKENS) {
    const ids = routing(t, e, k, 1000 + t);
    writeFileSync(path.join(dir, `ids-${m.name}-${t}.i32`), ids);
    const distinct = new Set(ids).size;
    const x = tensor('bf16', [t, h], randomBf16(t * h, 3 + t, 1));
    const idsT = tensor('i32', [t, k], ids);
    const wT = tensor('f32', [t, k], Float32Array.from({ length: t * k }, (_, j) => 1 / (1 + (j % k))));
    const out = tensor('bf16', [t, h]);
    const row = { model: m.name, tokens: t, distinctExperts: distinct, weightBytes: distinct * 3 * h * i * 2,
      flop: 2 * t * k * 3 * h * i };
    for (const p of t <= DECODE_MAX_TOKENS ? ['decode', 'prefill'] : ['prefill']) {
      const s = eagerAndGraph(() => ops.gpuFusedMoe(x, w13, null, w2, null, idsT, wT, { path: p }, out), SECONDS);
      row[`${p}EagerUs`] = s.eager * 1e6;
      row[`${p}GraphUs`] = s.graph * 1e6;
      row[`${p}Us`] = Math.min(s.eager, s.graph) * 1e6;
    }
    gpu.synchronize(0);
    row.autoPath = t <= AUTO_DECODE_MAX_TOKENS ? 'decode' : 'prefill';
    row.autoUs = row[`${row.autoPath}Us`];
    results.rows.push(row);
    writeFileSync(path.join(dir, 'moe-hipserve.json'), JSON.stringify(results, null, 1)); // so far: a timeout keeps these
    const best = row.autoUs;
    const us = (p) => (row[`${p}EagerUs`] === undefined ? '-' : `${row[`${p}EagerUs`].toFixed(1)}/${row[`${p}GraphUs`].toFixed(1)}`);
    console.log(`${m.name} T=${t}: ${row.autoPath} ${best.toFixed(1)} us (eager/graph: decode ${us('decode')}, prefill ${us('prefill')}), ` +
      `${(row.weightBytes / best / 1e3).toFixed(0)} GB/s of ${distinct} experts, ${(row.flop / best / 1e6).toFixed(1)} TFLOP/s`);
    for (const b of [x, idsT, wT, out]) b.data.free();
  }
  w13.data.free();
  w2.data.free();
  gpu.emptyCache();
}
writeFileSync(path.join(dir, 'moe-hipserve.json'), JSON.stringify(results, null, 1));
