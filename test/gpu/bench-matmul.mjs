// gpuMatmul (cuBLASLt / hipBLASLt) on Llama-3-8B's linear shapes, bf16 in and out, no bias. Each figure: many
// back-to-back calls between two gpu.synchronize() calls, divided by the count. T <= 64 is weight-bound (GB/s =
// weight bytes / time), larger T compute-bound (TFLOP/s = 2·T·N·K / time). With a torch peer's JSON
// (test/gpu/bench-matmul.py, same shapes, same machine, same run) its numbers and the copy bandwidth print beside.
// MATMUL_TOKENS (comma-separated) picks the token counts here and in the peer.
// Usage: node test/gpu/bench-matmul.mjs [torch.json] [--json rows.json]   (HIPSERVE_ADDON picks the addon)
import { readFileSync, writeFileSync } from 'node:fs';

import { loadAddon, optionValue } from './bench-common.mjs';

const SHAPES = [['qkv', 6144, 4096], ['o', 4096, 4096], ['gate_up', 28672, 4096], ['down', 4096, 14336],
  ['lm_head', 128256, 4096]];
const TOKENS = process.env.MATMUL_TOKENS?.split(',').map(Number) ?? [1, 8, 64, 256, 2048];

const args = process.argv.slice(2), jsonFile = optionValue(args, '--json');
const { gpu, ops } = loadAddon();
const peer = args[0] ? JSON.parse(readFileSync(args[0], 'utf8')) : null;

// bf16 0x3c3c ≈ 0.0115 everywhere: finite values, and a memset instead of a host upload of up to 1 GB.
function tensor(shape) {
  const data = new gpu.DeviceBuffer(shape[0] * shape[1] * 2);
  data.fill(0x3c);
  return { data, dtype: 'bf16', shape };
}

function microseconds(fn) {
  for (let i = 0; i < 3; i++) fn();
  gpu.synchronize(0);
  let t0 = process.hrtime.bigint();
  fn();
  gpu.synchronize(0);
  const once = Number(process.hrtime.bigint() - t0) / 1e3;
  const iters = Math.max(5, Math.min(200, Math.floor(40_000 / once)));
  t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  gpu.synchronize(0);
  return Number(process.hrtime.bigint() - t0) / 1e3 / iters;
}

function rate(t, n, k, us) {
  return t <= 64 ? `${((n * k * 2) / us / 1e3).toFixed(0)} GB/s` : `${((2 * t * n * k) / us / 1e6).toFixed(0)} TFLOP/s`;
}

const rows = [], measured = [];
for (const [name, n, k] of SHAPES) {
  const w = tensor([n, k]);
  for (const t of TOKENS) {
    const x = tensor([t, k]), out = tensor([t, n]);
    const us = microseconds(() => ops.gpuMatmul(x, w, null, out));
    measured.push({ name, n, k, t, us });
    const row = { shape: `${name} ${k}→${n}`, T: t, 'gpuMatmul µs': us.toFixed(1), gpuMatmul: rate(t, n, k, us) };
    const theirs = peer?.results.find((r) => r.name === name && r.t === t);
    if (theirs) Object.assign(row, { 'torch µs': theirs.us.toFixed(1), torch: rate(t, n, k, theirs.us) });
    rows.push(row);
    x.data.free();
    out.data.free();
  }
  w.data.free();
}
const info = gpu.deviceInfo(0);
console.log(`${info.name} (${info.arch}, ${info.computeUnits} CUs)`);
if (peer) console.log(`device-to-device copy (torch, same run): ${peer.copyGBs.toFixed(0)} GB/s read + write; ${peer.torch}`);
console.table(rows);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ device: info.name, rows: measured }, null, 1));
