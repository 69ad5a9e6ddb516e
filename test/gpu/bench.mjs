// Rough GPU kernel timings (not a test): host clock around `iters` calls enqueued back to back and one
// synchronize, so each figure is the mean time per call with launches overlapped (one synchronize round trip,
// about 10-30 µs, spread over the calls). Usage: node test/gpu/bench.mjs [addon.node]
import { deviceTensors, loadAddon, randomBf16, timeBackToBack } from './bench-common.mjs';

const { gpu, ops } = loadAddon(process.argv[2]);
const { tensor, buffers } = deviceTensors(gpu);
const time = (fn, iters) => timeBackToBack(gpu, fn, iters);

const rows = [];
function report(name, us, bytes) {
  rows.push({ name, us: us.toFixed(1), 'GB/s': (bytes / us / 1e3).toFixed(0) });
}

{
  const t = 4096, h = 4096;
  const x = tensor('bf16', [t, h], randomBf16(t * h, 1)), res = tensor('bf16', [t, h], randomBf16(t * h, 2));
  const w = tensor('bf16', [h], randomBf16(h, 3));
  report(`fusedAddRmsNorm bf16 [${t}, ${h}]`, time(() => ops.gpuFusedAddRmsNorm(x, res, w, 1e-6), 50), 4 * t * h * 2);
  const out = tensor('bf16', [t, 14336]), gate = tensor('bf16', [t, 2 * 14336], randomBf16(t * 2 * 14336, 4));
  report(`siluAndMul bf16 [${t}, 2 x 14336]`, time(() => ops.gpuSiluAndMul(gate, out), 50), 3 * t * 14336 * 2);
}
for (const [b, ctx, hq] of [[1, 32768, 32], [8, 8192, 32], [64, 2048, 32], [256, 1024, 32], [64, 2048, 64]]) {
  const hk = 8, d = 128, bs = 16;
  const blocksPer = Math.ceil(ctx / bs), numBlocks = b * blocksPer;
  const cacheShape = [numBlocks, bs, hk, d];
  const cacheN = numBlocks * bs * hk * d;
  const kc = tensor('bf16', cacheShape, randomBf16(cacheN, 5)), vc = tensor('bf16', cacheShape, randomBf16(cacheN, 6));
  const q = tensor('bf16', [b, hq, d], randomBf16(b * hq * d, 7)), out = tensor('bf16', [b, hq, d]);
  const tables = Int32Array.from({ length: b * blocksPer }, (_, i) => i);
  const bt = tensor('i32', [b, blocksPer], tables), lens = tensor('i32', [b], new Int32Array(b).fill(ctx));
  const us = time(() => ops.gpuPagedDecodeAttention(q, kc, vc, lens, bt, ctx, { scale: 0.088 }, out), 50);
  report(`pagedDecode bf16 B=${b} ctx=${ctx} Hq=${hq} Hk=${hk} D=${d}`, us, 2 * cacheN * 2);
  for (const x of buffers.splice(0)) x.free();
}
const info = gpu.deviceInfo(0);
console.log(`${info.name} (${info.arch}, ${info.computeUnits} CUs)`);
console.table(rows);
