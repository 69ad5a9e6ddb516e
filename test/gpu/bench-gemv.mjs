// Decode-sized linear layers (not a test): gpuMatmul's GEMV kernel against its cuBLASLt path (the same binding,
// path forced) and a torch.matmul peer, on Llama-3-8B's shapes at T = 1, 2, 4, 8, 16, bf16, no bias (lm_head writes
// f32 logits). Each figure is one CUDA-graph replay of R calls divided by R; the calls rotate over copies of the
// weight (≥ 256 MB in all) so it streams from HBM, not from the 50 MB L2. GB/s = weight bytes / time, beside the
// device-to-device copy bandwidth the torch peer measured in the same run (read + write).
// Also: the MLP's down projection fused with SiLU (gpuGatedMatmul) against SiLU-and-mul + gpuMatmul, and, with
// --sweep, GEMV launch shapes (registers or ring, rows per wave × waves per block) at T = 1, 8, 16.
// GEMV_TOKENS (comma-separated) picks the token counts here and in the peer; --json writes the measured rows.
// Usage: node test/gpu/bench-gemv.mjs [torch.json] [--sweep] [--json rows.json]   (HIPSERVE_ADDON picks the addon)
import { readFileSync, writeFileSync } from 'node:fs';

import { deviceTensors, loadAddon, optionValue } from './bench-common.mjs';

const SHAPES = [['qkv', 6144, 4096], ['o', 4096, 4096], ['gate_up', 28672, 4096], ['down', 4096, 14336],
  ['lm_head', 128256, 4096]];
const TOKENS = process.env.GEMV_TOKENS?.split(',').map(Number) ?? [1, 2, 4, 8, 16];
const SWEEP = [['reg 16×8', false, 16, 8], ['reg 16×16', false, 16, 16], ['ring 16×4', true, 16, 4],
  ['ring 16×6', true, 16, 6], ['ring 16×8', true, 16, 8], ['ring 16×12', true, 16, 12], ['ring 16×16', true, 16, 16],
  ['ring 32×8', true, 32, 8]];
const ROTATION_BYTES = 256 * 2 ** 20, CALLS = 24, REPLAYS = 5;

const args = process.argv.slice(2), jsonFile = optionValue(args, '--json');
const sweep = args.includes('--sweep');
const peerFile = args.find((a) => !a.startsWith('--'));
const peer = peerFile ? JSON.parse(readFileSync(peerFile, 'utf8')) : null;
const { gpu, ops } = loadAddon();
const { tensor, buffers } = deviceTensors(gpu);

/** µs per call of call(i) (i: the call's index), captured R times into one graph and replayed. */
function graphMicroseconds(call) {
  call(0);
  gpu.synchronize(0); // eager first: the BLAS handle and algorithm exist before the capture
  const graph = gpu.captureGraph(0, () => {
    for (let i = 0; i < CALLS; i++) call(i);
  });
  graph.replay();
  gpu.synchronize(0);
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < REPLAYS; r++) graph.replay();
  gpu.synchronize(0);
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / (REPLAYS * CALLS);
  graph.dispose();
  return us;
}

/** Copies of a [n, k] bf16 weight, enough that a rotation over them does not fit in L2. */
function weights(n, k) {
  const bytes = n * k * 2, copies = Math.max(1, Math.ceil(ROTATION_BYTES / bytes));
  return Array.from({ length: copies }, () => tensor('bf16', [n, k], 0x3c));
}

const gbs = (n, k, us) => (n * k * 2) / us / 1e3;
const fmt = (n, k, us) => `${us.toFixed(1)} µs ${gbs(n, k, us).toFixed(0)}`;

const rows = [], measured = { linear: [], gated: [] };
for (const [name, n, k] of SHAPES) {
  const ws = weights(n, k), outDtype = name === 'lm_head' ? 'f32' : 'bf16';
  for (const t of TOKENS) {
    const x = tensor('bf16', [t, k], 0x3c), out = tensor(outDtype, [t, n]);
    const time = (options) => graphMicroseconds((i) => ops.gpuMatmul(x, ws[i % ws.length], null, out, options));
    const gemv = time({ path: 'gemv' }), blas = time({ path: 'blas' }), auto = time({});
    measured.linear.push({ name, n, k, t, gemvUs: gemv, blasUs: blas, autoUs: auto });
    const row = { shape: `${name} ${k}→${n}`, T: t, 'gemv µs GB/s': fmt(n, k, gemv), 'cuBLASLt µs GB/s': fmt(n, k, blas),
      'auto µs': auto.toFixed(1) };
    const theirs = peer?.results.find((r) => r.name === name && r.t === t);
    if (theirs) row['torch µs GB/s'] = fmt(n, k, theirs.us);
    if (peer) row['gemv % of copy'] = `${((100 * gbs(n, k, gemv)) / peer.copyGBs).toFixed(0)}%`;
    row['gemv/blas'] = `${(blas / gemv).toFixed(2)}×`;
    rows.push(row);
  }
  for (const b of buffers.splice(0)) b.free();
}
const info = gpu.deviceInfo(0);
console.log(`${info.name} (${info.arch}, ${info.computeUnits} SMs/CUs); graph replays of ${CALLS} calls over rotated weights`);
if (peer) console.log(`device-to-device copy (torch, same run): ${peer.copyGBs.toFixed(0)} GB/s read + write; ${peer.torch}`);
console.log('GB/s = weight bytes / time');
console.table(rows);

// down with its activation: x2 [T, 2 × 14336] → out [T, 4096].
const fusedRows = [];
{
  const [n, k] = [4096, 14336], ws = weights(n, k);
  for (const t of TOKENS) {
    const x2 = tensor('bf16', [t, 2 * k], 0x3c), act = tensor('bf16', [t, k]), out = tensor('bf16', [t, n]);
    const w = (i) => ws[i % ws.length];
    const gated = (options) => graphMicroseconds((i) => ops.gpuGatedMatmul(x2, 'silu', w(i), null, out, options));
    const fused = gated({ path: 'gemv' }), automatic = gated({});
    const fused32x8 = gated({ path: 'gemv', gemvRowsPerWave: 32, gemvWaves: 8 });
    const fused32x16 = gated({ path: 'gemv', gemvRowsPerWave: 32, gemvWaves: 16 });
    const unfusedBlas = graphMicroseconds((i) => {
      ops.gpuSiluAndMul(x2, act);
      ops.gpuMatmul(act, w(i), null, out, { path: 'blas' });
    });
    const unfusedGemv = graphMicroseconds((i) => {
      ops.gpuSiluAndMul(x2, act);
      ops.gpuMatmul(act, w(i), null, out, { path: 'gemv' });
    });
    measured.gated.push({ name: 'down+silu', n, k, t, autoUs: automatic, gemvUs: fused, siluBlasUs: unfusedBlas,
      siluGemvUs: unfusedGemv });
    const row = { T: t, 'gpuGatedMatmul auto': fmt(n, k, automatic), 'fused gemv': fmt(n, k, fused),
      'fused 32×8': fmt(n, k, fused32x8), 'fused 32×16': fmt(n, k, fused32x16), 'silu + gemv': fmt(n, k, unfusedGemv),
      'silu + cuBLASLt': fmt(n, k, unfusedBlas) };
    const theirs = peer?.fused?.find((r) => r.t === t);
    if (theirs) row['torch silu·mul + matmul'] = fmt(n, k, theirs.us);
    fusedRows.push(row);
  }
  for (const b of buffers.splice(0)) b.free();
}

console.log('down projection 14336→4096 with SiLU: gpuGatedMatmul vs gpuSiluAndMul + gpuMatmul');
console.table(fusedRows);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ device: info.name, ...measured }, null, 1));

// Every launch shape of the GEMV (µs per call) at T = 1, 8, 16; auto: the automatic choice.
if (sweep) {
  const sweepRows = [];
  for (const [name, n, k] of SHAPES) {
    const ws = weights(n, k), outDtype = name === 'lm_head' ? 'f32' : 'bf16';
    for (const t of [1, 8, 16]) {
      const x = tensor('bf16', [t, k], 0x3c), out = tensor(outDtype, [t, n]);
      const time = (options) => graphMicroseconds((i) => ops.gpuMatmul(x, ws[i % ws.length], null, out, options));
      const entry = { shape: name, T: t, auto: time({ path: 'gemv' }).toFixed(1) };
      for (const [label, gemvRing, gemvRowsPerWave, gemvWaves] of SWEEP)
        entry[label] = time({ path: 'gemv', gemvRing, gemvRowsPerWave, gemvWaves }).toFixed(1);
      sweepRows.push(entry);
    }
    for (const b of buffers.splice(0)) b.free();
  }
  console.log('GEMV launch shapes, µs (weights through registers or the cp.async ring; rows per wave × waves per block)');
  console.table(sweepRows);
}
