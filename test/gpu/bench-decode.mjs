// Paged decode attention timings (not a test). Each shape: N calls enqueued back to back between two
// gpu.synchronize() calls, divided by N (an addon whose ops wait for the device adds one round trip per call);
// `--profile` runs 5 calls per shape for ncu, whose kernel durations `--merge` puts beside. Caches are replicated
// and rotated so that a small one is not served from L2; their bytes are constant (every score equal: the
// running max is raised once per wave, random scores raise it a few times more). bytes = K and V actually read +
// q + out. Usage:
//   node test/gpu/bench-decode.mjs [--profile] > bench.json
//   node test/gpu/bench-decode.mjs --merge bench.json torch.json [ncu.csv profile.json] [--json merged.json]
//     (prints the table; --json also writes its rows, numbers in µs, for test/gpu/bench-summary.mjs)
//   node test/gpu/bench-decode.mjs --shapes   (the shapes, for bench-decode-torch.py)
import { readFileSync, writeFileSync } from 'node:fs';

import { deviceTensors, loadAddon, optionValue, timeBackToBack } from './bench-common.mjs';

const SHAPES = [
  // [label, B, ctx, Hq, Hk, maxSeqLen]
  ...[4096, 8192, 16384, 32768].map((ctx) => ['llama3-8b', 1, ctx, 32, 8, ctx]),
  ['llama3-8b', 8, 4096, 32, 8, 4096], ['llama3-8b', 8, 8192, 32, 8, 8192],
  ['llama3-8b', 64, 4096, 32, 8, 4096], ['llama3-8b', 256, 4096, 32, 8, 4096],
  // GQA groups of 8 (Qwen3-30B-A3B: Hq=32 over Hk=4) and 16 (Qwen3-235B-style Hq=64 over Hk=4): matrix cores.
  ['qwen3-30b Hq32/Hk4', 1, 32768, 32, 4, 32768], ['qwen3-30b Hq32/Hk4', 8, 8192, 32, 4, 8192],
  ['qwen3-30b Hq32/Hk4', 64, 4096, 32, 4, 4096],
  ['qwen3 Hq64/Hk4', 1, 32768, 64, 4, 32768], ['qwen3 Hq64/Hk4', 8, 8192, 64, 4, 8192],
  ['qwen3 Hq64/Hk4', 64, 4096, 64, 4, 4096],
  // A model's captured decode step is launched for its max_seq_len whatever the lengths: short sequences under it.
  ['llama3-8b short', 1, 136, 32, 8, 4096], ['llama3-8b short', 1, 512, 32, 8, 4096],
  ['llama3-8b short', 1, 512, 32, 8, 512], ['llama3-8b short', 1, 512, 32, 8, 32768],
  ['llama3-8b short', 64, 512, 32, 8, 512], ['llama3-8b short', 64, 512, 32, 8, 8192],
  // MoE models' groups of 8 and 16 take the matrix-core kernel at every batch size: short contexts at batch 16-256.
  ...[16, 64, 256].map((b) => ['qwen3-30b short', b, 160, 32, 4, 4096]), ['qwen3 Hq64/Hk4 short', 64, 160, 64, 4, 4096],
];
const D = 128, BLOCK = 16, L2_DEFEAT_BYTES = 256 * 2 ** 20;

const key = ([label, b, ctx, hq, hk, max]) => `${label} B=${b} ctx=${ctx} Hq=${hq} Hk=${hk} max=${max}`;
const bytesOf = ([, b, ctx, hq, hk]) => 2 * b * ctx * hk * D * 2 + 2 * b * hq * D * 2;
const bytesOfName = (name) => bytesOf(SHAPES.find((s) => key(s) === name));
const shapeList = () => SHAPES.map((s) => ({ name: key(s), shape: s, bytes: bytesOf(s) }));  // --shapes

function merge(args) {
  const jsonFile = optionValue(args, '--json');
  const [benchFile, torchFile, ncuFile, profileFile] = args;
  // Any one of the three runs may have failed: the table shows what the others measured.
  const profile = profileFile ? readJson(profileFile) : null;
  const bench = readJson(benchFile) ?? profile;
  if (!bench) throw new Error(`neither ${benchFile} nor ${profileFile} holds a bench run`);
  const torch = readJson(torchFile) ?? { copy_gbps: NaN, sdpa: {} };
  const kernelUs = ncuFile && profile ? ncuTimes(readText(ncuFile), profile.profileOrder) : {};
  const copy = torch.copy_gbps;
  const measured = bench.rows.length ? bench.rows
    : bench.profileOrder.map(([name]) => ({ name, bytes: bytesOfName(name), us: NaN }));
  const rows = measured.map((r) => ({ shape: r.name, bytes: r.bytes, hostUs: Number.isFinite(r.us) ? r.us : null,
    kernelUs: kernelUs[r.name] ?? null, sdpaUs: torch.sdpa[r.name] ?? null, copyUs: torch.copy_us?.[r.name] ?? null }));
  console.log(`${bench.device}; device-to-device copy ${copy.toFixed(0)} GB/s (read + write, torch, same run)`);
  console.table(rows.map((r) => {
    const us = r.kernelUs ?? r.hostUs;
    const gbps = (t) => (r.bytes / t / 1e3).toFixed(0);
    return {
      shape: r.shape, MB: (r.bytes / 1e6).toFixed(1),
      'host µs/call': r.hostUs?.toFixed(1) ?? '-', 'kernel µs (ncu)': r.kernelUs?.toFixed(1) ?? '-',
      'GB/s': us ? gbps(us) : '-', '% copy': us ? `${((100 * r.bytes) / us / 1e3 / copy).toFixed(0)}%` : '-',
      'torch SDPA µs': r.sdpaUs?.toFixed(1) ?? '-', 'SDPA GB/s': r.sdpaUs ? gbps(r.sdpaUs) : '-',
      'same-size copy µs': r.copyUs?.toFixed(1) ?? '-',
      '% of it': us && r.copyUs ? `${((100 * r.copyUs) / us).toFixed(0)}%` : '-',
    };
  }));
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ device: bench.device, copyGbps: copy, rows }, null, 1));
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readJson(file) {
  try {
    return JSON.parse(readText(file));
  } catch {
    return null;
  }
}

const NS_PER = { nsecond: 1, usecond: 1e3, msecond: 1e6, second: 1e9 };

// ncu --csv rows of paged_decode kernels in launch order: a decode kernel and, when split, its combine (v3).
function ncuTimes(csv, order) {
  const lines = csv.split('\n').filter((l) => l.startsWith('"') && l.includes('gpu__time_duration'));
  const calls = [];
  for (const line of lines) {
    const cells = line.match(/"([^"]*)"/g).map((c) => c.slice(1, -1));
    const ns = Number(cells.at(-1).replace(/,/g, '')) * (NS_PER[cells.at(-2)] ?? 1); // ncu may scale the unit
    const combine = cells.some((c) => c.includes('paged_decode_combine_kernel'));
    if (combine && calls.length) calls[calls.length - 1] += ns;
    else calls.push(ns);
  }
  const out = {};
  let i = 0;
  for (const [name, n] of order) {
    const mine = calls.slice(i, i + n).sort((a, b) => a - b);
    i += n;
    if (mine.length) out[name] = mine[Math.floor(mine.length / 2)] / 1e3;
  }
  return out;
}

function run(profile) {
  const { gpu, ops } = loadAddon();
  const { tensor, buffers } = deviceTensors(gpu);
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const randomBf16 = (n) => Uint16Array.from({ length: n }, () => 0x3c00 | (next() >>> 24)); // ~[0.0078, 0.0156)
  const rows = [], profileOrder = [];
  const only = process.env.DECODE_SHAPES; // a substring of the shapes to run
  for (const shape of SHAPES.filter((s) => !only || key(s).includes(only))) {
    const [, b, ctx, hq, hk, maxSeqLen] = shape;
    const blocksPer = Math.ceil(ctx / BLOCK), numBlocks = b * blocksPer, columns = Math.ceil(maxSeqLen / BLOCK);
    const cacheShape = [numBlocks, BLOCK, hk, D], cacheBytes = 2 * numBlocks * BLOCK * hk * D * 2;
    const replicas = Math.max(1, Math.min(16, Math.ceil(L2_DEFEAT_BYTES / cacheBytes)));
    const caches = Array.from({ length: replicas },
      () => [tensor('bf16', cacheShape, 0x3c), tensor('bf16', cacheShape, 0x3b)]);
    const perm = Int32Array.from({ length: numBlocks }, (_, i) => i);
    for (let i = numBlocks - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const tables = new Int32Array(b * columns).fill(-1);
    for (let s = 0; s < b; s++) tables.set(perm.subarray(s * blocksPer, (s + 1) * blocksPer), s * columns);
    const q = tensor('bf16', [b, hq, D], randomBf16(b * hq * D)), out = tensor('bf16', [b, hq, D]);
    const bt = tensor('i32', [b, columns], tables), lens = tensor('i32', [b], new Int32Array(b).fill(ctx));
    let r = 0;
    const call = () => {
      const [kc, vc] = caches[r++ % replicas];
      ops.gpuPagedDecodeAttention(q, kc, vc, lens, bt, maxSeqLen, { scale: 0.088 }, out);
    };
    if (profile) {
      for (let i = 0; i < 5; i++) call();
      gpu.synchronize(0);
      profileOrder.push([key(shape), 5]);
    } else {
      const n = Math.max(10, Math.min(300, Math.ceil(30_000 / timeBackToBack(gpu, call, 5))));
      rows.push({ name: key(shape), bytes: bytesOf(shape), us: timeBackToBack(gpu, call, n, 0), calls: n, replicas });
    }
    for (const x of buffers.splice(0)) x.free();
  }
  const info = gpu.deviceInfo(0);
  console.log(JSON.stringify({ device: `${info.name} (${info.arch}, ${info.computeUnits} CUs)`, rows, profileOrder }));
}

const args = process.argv.slice(2);
if (args[0] === '--merge') merge(args.slice(1));
else if (args[0] === '--shapes') console.log(JSON.stringify(shapeList()));
else run(args[0] === '--profile');
