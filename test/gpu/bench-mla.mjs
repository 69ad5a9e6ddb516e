// Latent attention (gpuMlaAttention) decode timings at DeepSeek-V3's shape (H=128, L=512, R=64, bf16), not a test.
// Each shape: 20 calls captured into one graph and replayed (µs per call, no launch gaps), and 50 calls enqueued
// back to back between two gpu.synchronize() (host µs). One latent cache of at least 256 MiB holds several
// disjoint copies of the batch's blocks (scattered by a random permutation); calls rotate among their block
// tables so that a small batch is not served from L2. bytes = latents read + q + out. Also the absorption GEMMs
// (gpuMlaHeadGemm: q_nope·W_UK and latent·W_UV for 128 heads, 16 MiB of weights each). Prints JSON lines; with
// `--merge torch.json bench.jsonl` a table beside the torch peers (bench-mla.py). `--shapes` lists the shapes.
import { readFileSync } from 'node:fs';

import { deviceTensors, loadAddon, timeBackToBack } from './bench-common.mjs';

const H = 128, L = 512, R = 64, W = L + R, L2_DEFEAT_BYTES = 256 * 2 ** 20;
const SHAPES = [];
const BLOCKS = process.env.MLA_BLOCKS?.split(',').map(Number) ?? [64, 16]; // block sizes (comma-separated)
for (const block of BLOCKS)
  for (const b of [1, 8, 64]) for (const ctx of [1024, 4096, 16384, 32768]) SHAPES.push({ block, b, ctx });
const nameOf = (s) => `B=${s.b} ctx=${s.ctx} block=${s.block}`;
const bytesOf = (s) => s.b * s.ctx * W * 2 + s.b * H * (W + L) * 2;

function shuffled(n, seed) {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function benchAttention(addon, s) {
  const { gpu, ops } = addon;
  const { tensor, buffers } = deviceTensors(gpu);
  const blocksPerSeq = s.ctx / s.block, setBlocks = s.b * blocksPerSeq;
  const replicas = Math.max(1, Math.min(8, Math.ceil(L2_DEFEAT_BYTES / (setBlocks * s.block * W * 2))));
  const numBlocks = setBlocks * replicas;
  const free = (gpu.deviceInfo(0).freeBytes - 2 ** 30) / 2;
  if (numBlocks * s.block * W * 2 > free) return { name: nameOf(s), skipped: 'does not fit' };
  const cache = tensor('bf16', [numBlocks, s.block, W], 0x3c); // every value 0x3c3c ≈ 0.0115: finite, equal scores
  const q = tensor('bf16', [s.b, H, W], 0x3c), out = tensor('bf16', [s.b, H, L], 0);
  const perm = shuffled(numBlocks, s.b * 7 + s.ctx);
  const tables = Array.from({ length: replicas }, (_, r) =>
    tensor('i32', [s.b, blocksPerSeq], perm.subarray(r * setBlocks, (r + 1) * setBlocks)));
  const qsl = tensor('i32', [s.b + 1], Int32Array.from({ length: s.b + 1 }, (_, i) => i));
  const seqLens = tensor('i32', [s.b], new Int32Array(s.b).fill(s.ctx));
  let turn = 0;
  const call = () => ops.gpuMlaAttention(q, cache, qsl, seqLens, tables[turn++ % replicas], 1, s.ctx,
    { scale: 192 ** -0.5 }, out);
  const hostUs = timeBackToBack(gpu, call, 50);
  const graphCalls = 20;
  const graph = gpu.captureGraph(0, () => { for (let i = 0; i < graphCalls; i++) call(); });
  const graphUs = timeBackToBack(gpu, () => graph.replay(), 5, 2) / graphCalls;
  graph.dispose();
  for (const buf of buffers.splice(0)) buf.free();
  return { name: nameOf(s), bytes: bytesOf(s), graphUs, hostUs };
}

function benchHeadGemm(addon, t, n, k) {
  const { gpu, ops } = addon;
  const { tensor, buffers } = deviceTensors(gpu);
  const copies = 16; // 16 × 16 MiB of weights, rotated
  const ws = Array.from({ length: copies }, () => tensor('bf16', [H, n, k], 0x3c));
  const x = tensor('bf16', [t, H, k], 0x3c), out = tensor('bf16', [t, H, n], 0);
  let turn = 0;
  const us = timeBackToBack(gpu, () => ops.gpuMlaHeadGemm(x, ws[turn++ % copies], out), 64);
  for (const buf of buffers.splice(0)) buf.free();
  return { name: `headGemm T=${t} N=${n} K=${k}`, bytes: H * n * k * 2 + t * H * (n + k) * 2, hostUs: us };
}

function merge(torchFile, benchFile) {
  const torch = JSON.parse(readFileSync(torchFile, 'utf8'));
  const lines = readFileSync(benchFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const info = lines.find((l) => l.device);
  console.log(`${info?.device}; device-to-device copy ${torch.copy_gbps.toFixed(0)} GB/s (read + write, torch, same run)`);
  const gbps = (bytes, us) => (bytes / us / 1e3).toFixed(0);
  const pct = (bytes, us) => `${((100 * bytes) / us / 1e3 / torch.copy_gbps).toFixed(0)}%`;
  console.table(lines.filter((l) => l.name && !l.name.startsWith('headGemm')).map((r) => {
    if (r.skipped) return { shape: r.name, note: r.skipped };
    const peer = torch.mla[`B=${r.name.match(/B=(\d+)/)[1]} ctx=${r.name.match(/ctx=(\d+)/)[1]}`] ?? {};
    return {
      shape: r.name, MB: (r.bytes / 1e6).toFixed(1), 'graph µs': r.graphUs.toFixed(1), 'GB/s': gbps(r.bytes, r.graphUs),
      '% copy': pct(r.bytes, r.graphUs), 'host µs': r.hostUs.toFixed(1),
      'torch matmul µs': peer.matmul?.toFixed(1) ?? '-', 'torch SDPA µs': peer.sdpa?.toFixed(1) ?? '-',
    };
  }));
  console.table(lines.filter((l) => l.name?.startsWith('headGemm')).map((r) => ({
    shape: r.name, MB: (r.bytes / 1e6).toFixed(1), 'host µs': r.hostUs.toFixed(1), 'GB/s': gbps(r.bytes, r.hostUs),
    '% copy': pct(r.bytes, r.hostUs) })));
}

const args = process.argv.slice(2);
if (args[0] === '--merge') merge(args[1], args[2]);
else if (args[0] === '--shapes') console.log(JSON.stringify([...new Set(SHAPES.map((s) => `${s.b} ${s.ctx}`))]));
else {
  const addon = loadAddon();
  console.log(JSON.stringify({ device: addon.gpu.deviceInfo(0).name }));
  for (const s of SHAPES) console.log(JSON.stringify(benchAttention(addon, s)));
  for (const t of [1, 8, 64]) {
    console.log(JSON.stringify(benchHeadGemm(addon, t, L, 128)));
    console.log(JSON.stringify(benchHeadGemm(addon, t, 128, L)));
  }
}
