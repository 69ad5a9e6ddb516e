// The latency- and bandwidth-bound kernels of a Llama-3-8B layer as standalone calls (not a test): gpuRmsNorm,
// gpuFusedAddRmsNorm, gpuSiluAndMul, gpuRotaryEmbedding with the KV-cache write (32 q heads, 8 KV heads, D 128,
// neox) and gpuEmbedding (vocabulary 128256), bf16, hidden 4096, intermediate 14336, at T = 1, 8, 64, 256 and 4096
// tokens. T <= 256 writes each token's K/V to a block of its own (a decode batch), T = 4096 to consecutive slots
// (a prefill). Each figure: 20 calls or more captured into one graph and replayed, divided by the count (also the eager
// figure: calls enqueued back to back between two gpu.synchronize()); the calls rotate over copies of their inputs
// (>= 256 MiB in all) so that they come from HBM, not L2. GB/s = the bytes each call must move (each input read once,
// each output written once) / time, beside the copy bandwidth of the torch peer (bench-elementwise.py) or of
// $HIPSERVE_BENCH_COPY_GBPS. At T = 1-8 a call moves kilobytes: its time is launch and dependent-load latency, not
// bandwidth. ELEMENTWISE_TOKENS (comma-separated) picks the token counts.
// Usage:
//   node test/gpu/bench-elementwise.mjs --shapes | python3 test/gpu/bench-elementwise.py torch.json
//   node test/gpu/bench-elementwise.mjs [torch.json] [--json rows.json]
import { readFileSync, writeFileSync } from 'node:fs';

import { buildCosSinCache } from '../../dist/src/layers/rotary/cos-sin-cache.js';
import { deviceTensors, loadAddon, optionValue } from './bench-common.mjs';

const HIDDEN = 4096, INTER = 14336, HQ = 32, HK = 8, D = 128, VOCAB = 128256, BLOCK = 16, MAX_POSITION = 8192;
const TOKENS = process.env.ELEMENTWISE_TOKENS?.split(',').map(Number) ?? [1, 8, 64, 256, 4096];
const DECODE_MAX_TOKENS = 256; // up to here a batch of decode tokens, past it one prefill
const ROTATION_BYTES = 256 * 2 ** 20, CALLS = 20, EPS = 1e-5;

/** Bytes a call must move at T tokens: each input read once, each output written once (bf16; i32/f32 4 bytes). */
const BYTES = {
  rmsNorm: (t) => 2 * t * HIDDEN * 2 + HIDDEN * 2,
  fusedAddRmsNorm: (t) => 4 * t * HIDDEN * 2 + HIDDEN * 2, // x and residual read, both written
  siluAndMul: (t) => 3 * t * INTER * 2,
  // q, k read and written; v read; k and v written to the cache; a cos/sin row and position and slot per token.
  rotaryKvCache: (t) =>
    2 * t * HQ * D * 2 + 2 * t * HK * D * 2 + t * HK * D * 2 + 2 * t * HK * D * 2 + t * D * 4 + 2 * t * 4,
  embedding: (t) => 2 * t * HIDDEN * 2 + t * 4,
};
const OPS = Object.keys(BYTES);

const shapes = () => OPS.flatMap((op) => TOKENS.map((t) => ({ op, t, bytes: BYTES[op](t), hidden: HIDDEN,
  inter: INTER, hq: HQ, hk: HK, d: D, vocab: VOCAB, block: BLOCK, maxPosition: MAX_POSITION, eps: EPS,
  decode: t <= DECODE_MAX_TOKENS })));

/** Llama-3's RoPE table without its scaling (θ 500000, the model's cache layout): [MAX_POSITION, D] f32. */
const ropeCache = () => buildCosSinCache({ headDim: D, partialRotaryFactor: 1, ropeTheta: 500000,
  rope: { type: 'default', factor: 1 }, maxPositionEmbeddings: MAX_POSITION }, MAX_POSITION);

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/**
 * The slots T tokens write: decode, token j to block j (its sequence's newest block) at offset j % BLOCK;
 * prefill, consecutive slots. Returns [slots, blocks the cache needs].
 */
function slotMapping(t) {
  if (t > DECODE_MAX_TOKENS) return [Int32Array.from({ length: t }, (_, j) => j), Math.ceil(t / BLOCK)];
  return [Int32Array.from({ length: t }, (_, j) => j * BLOCK + (j % BLOCK)), t];
}

/** One op at T tokens: `copies` input sets and call(i) on set i % copies. */
function makeOp(ops, tensor, op, t, shared) {
  const copies = Math.max(1, Math.min(256, Math.ceil(ROTATION_BYTES / BYTES[op](t))));
  const sets = [];
  const r = lcg(1000 + t);
  for (let c = 0; c < copies; c++) {
    switch (op) {
      case 'rmsNorm':
        sets.push([tensor('bf16', [t, HIDDEN], 0x3c), shared.normWeight, EPS, tensor('bf16', [t, HIDDEN])]);
        break;
      case 'fusedAddRmsNorm':
        sets.push([tensor('bf16', [t, HIDDEN], 0x3c), tensor('bf16', [t, HIDDEN], 0x3c), shared.normWeight, EPS]);
        break;
      case 'siluAndMul':
        sets.push([tensor('bf16', [t, 2 * INTER], 0x3c), tensor('bf16', [t, INTER])]);
        break;
      case 'rotaryKvCache': {
        const [slots, blocks] = slotMapping(t);
        const positions = Int32Array.from({ length: t }, () => Math.floor(r() * MAX_POSITION));
        const cacheShape = [blocks, BLOCK, HK, D];
        sets.push([tensor('i32', [t], positions), tensor('bf16', [t, HQ * D], 0x3c), tensor('bf16', [t, HK * D], 0x3c),
          shared.cosSin, D, true, { value: tensor('bf16', [t, HK * D], 0x3c), keyCache: tensor('bf16', cacheShape, 0),
            valueCache: tensor('bf16', cacheShape, 0), slotMapping: tensor('i32', [t], slots) }]);
        break;
      }
      case 'embedding': {
        const ids = Int32Array.from({ length: t }, () => Math.floor(r() * VOCAB));
        sets.push([tensor('i32', [t], ids), shared.table, tensor('bf16', [t, HIDDEN])]);
        break;
      }
      default:
        throw new Error(`unknown op ${op}`);
    }
  }
  const entry = { rmsNorm: 'gpuRmsNorm', fusedAddRmsNorm: 'gpuFusedAddRmsNorm', siluAndMul: 'gpuSiluAndMul',
    rotaryKvCache: 'gpuRotaryEmbedding', embedding: 'gpuEmbedding' }[op];
  return { copies, call: (i) => ops[entry](...sets[i % copies]) };
}

/** µs per call: eager (back to back) and graph replay (a graph of `calls` calls), each over about 20 ms. */
function time(gpu, call, calls) {
  let turn = 0;
  const eagerRun = (n) => {
    gpu.synchronize(0);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) call(turn++);
    gpu.synchronize(0);
    return Number(process.hrtime.bigint() - t0) / 1e3 / n;
  };
  eagerRun(3);
  const eager = eagerRun(Math.max(20, Math.min(2000, Math.ceil(20_000 / eagerRun(5)))));
  let graphUs = null;
  try {
    const graph = gpu.captureGraph(0, () => { for (let i = 0; i < calls; i++) call(i); });
    const replays = Math.max(3, Math.min(500, Math.ceil(20_000 / (calls * eager))));
    graph.replay();
    gpu.synchronize(0);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < replays; i++) graph.replay();
    gpu.synchronize(0);
    graphUs = Number(process.hrtime.bigint() - t0) / 1e3 / (replays * calls);
    graph.dispose();
  } catch (e) {
    console.error(`graph capture failed, eager only: ${e.message}`);
  }
  return { eagerUs: eager, graphUs };
}

function run(peerFile, jsonFile) {
  const peer = peerFile ? JSON.parse(readFileSync(peerFile, 'utf8')) : null;
  const copyGbps = peer?.copy_gbps ?? (Number(process.env.HIPSERVE_BENCH_COPY_GBPS) || null);
  const { gpu, ops } = loadAddon();
  const { tensor, buffers } = deviceTensors(gpu);
  const shared = { normWeight: tensor('bf16', [HIDDEN], 0x3f), cosSin: tensor('f32', [MAX_POSITION, D], ropeCache()),
    table: tensor('bf16', [VOCAB, HIDDEN], 0x3c) };
  const keep = buffers.splice(0);
  const info = gpu.deviceInfo(0);
  const rows = [], table = [];
  for (const { op, t, bytes } of shapes()) {
    const { copies, call } = makeOp(ops, tensor, op, t, shared);
    const { eagerUs, graphUs } = time(gpu, call, Math.max(CALLS, copies)); // every copy once per replay
    for (const b of buffers.splice(0)) b.free();
    const us = graphUs ?? eagerUs;
    const torchUs = peer?.rows.find((p) => p.op === op && p.t === t)?.us ?? null;
    rows.push({ op, t, bytes, graphUs, eagerUs, copies, torchUs });
    if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ device: info.name, copyGbps, rows }, null, 1)); // so far
    table.push({ op, T: t, KB: (bytes / 1e3).toFixed(1), 'graph µs': graphUs?.toFixed(2) ?? '-',
      'eager µs': eagerUs.toFixed(2), 'GB/s': (bytes / us / 1e3).toFixed(0),
      '% copy': copyGbps ? `${((100 * bytes) / us / 1e3 / copyGbps).toFixed(0)}%` : '-',
      'torch µs': torchUs?.toFixed(2) ?? '-', 'torch GB/s': torchUs ? (bytes / torchUs / 1e3).toFixed(0) : '-' });
  }
  for (const b of keep) b.free();
  console.log(`${info.name} (${info.arch}, ${info.computeUnits} CUs); graph replays of ${CALLS}+ calls over rotated ` +
    `inputs; copy ${copyGbps?.toFixed(0) ?? '?'} GB/s (read + write)`);
  console.log('GB/s = bytes the call must move / time. T = 1-8 move kilobytes: those times are launch + latency, ' +
    'not bandwidth.');
  console.table(table);
}

const args = process.argv.slice(2), jsonFile = optionValue(args, '--json');
if (args[0] === '--shapes') console.log(JSON.stringify(shapes()));
else run(args[0] ?? null, jsonFile);
