// Causal prefill throughput of gpuPagedAttention (not a test): Llama-3-8B attention (Hq=32, Hk=8, D=128), then a
// group of 8 (Qwen3-30B-A3B: Hq=32, Hk=4) and head size 64 (gpt-oss's heads, without its window and sinks); bf16,
// block size 16, each sequence a whole prompt (query length = context length). FLOPs are the causal count
// 4 · B · Hq · D · T(T+1)/2 (Q·Kᵀ and P·V over the keys each query sees), the same formula as the torch peer
// (bench-prefill.py). The host clock spans `iters` back-to-back calls and one synchronize.
// Usage: node test/gpu/bench-prefill.mjs [addon.node] [--json rows.json]
//        node test/gpu/bench-prefill.mjs --shapes   (the shapes, for bench-prefill.py)
import { writeFileSync } from 'node:fs';

import { deviceTensors, loadAddon, optionValue, randomBf16, timeBackToBack } from './bench-common.mjs';

const SHAPES = [  // [B, T, Hq, Hk, D]
  [1, 4096, 32, 8, 128], [8, 1024, 32, 8, 128], [1, 16384, 32, 8, 128], [1, 4096, 32, 4, 128], [1, 4096, 64, 8, 64],
];
const args = process.argv.slice(2), jsonFile = optionValue(args, '--json');
if (args[0] === '--shapes') {
  console.log(JSON.stringify(SHAPES.map(([b, t, hq, hk, d]) => ({ b, t, hq, hk, d }))));
  process.exit(0);
}
const { gpu, ops } = loadAddon(args[0]);
const { tensor, buffers } = deviceTensors(gpu);

const bs = 16;
const info = gpu.deviceInfo(0), rows = [];
console.log(`${info.name} (${info.arch}, ${info.computeUnits} CUs)`);
for (const [b, t, hq, hk, d] of SHAPES) {
  const blocksPer = Math.ceil(t / bs), numBlocks = b * blocksPer, tokens = b * t;
  const cacheShape = [numBlocks, bs, hk, d], cacheN = numBlocks * bs * hk * d;
  const kc = tensor('bf16', cacheShape, randomBf16(cacheN, 5)), vc = tensor('bf16', cacheShape, randomBf16(cacheN, 6));
  const q = tensor('bf16', [tokens, hq, d], randomBf16(tokens * hq * d, 7)), out = tensor('bf16', [tokens, hq, d]);
  const qsl = tensor('i32', [b + 1], Int32Array.from({ length: b + 1 }, (_, i) => i * t));
  const lens = tensor('i32', [b], new Int32Array(b).fill(t));
  const bt = tensor('i32', [b, blocksPer], Int32Array.from({ length: numBlocks }, (_, i) => i));
  const call = () => ops.gpuPagedAttention(q, kc, vc, qsl, lens, bt, t, t, { scale: 1 / Math.sqrt(d) }, out);
  const ms = timeBackToBack(gpu, call, Math.max(3, Math.round(2e4 / t)), 1) / 1e3;
  const flops = 4 * b * hq * d * (t * (t + 1)) / 2;
  console.log(`hipserve gpuPagedAttention causal bf16 B=${b} T=${t} Hq=${hq} Hk=${hk} D=${d}: ${ms.toFixed(3)} ms, ` +
    `${(flops / ms / 1e9).toFixed(1)} TFLOP/s`);
  rows.push({ b, t, hq, hk, d, ms, flops });
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ device: info.name, rows }, null, 1)); // so far, row by row
  for (const x of buffers.splice(0)) x.free();
}
