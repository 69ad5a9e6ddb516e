// Launch overhead a graph removes (not a test): a decode-sized step of many small ops (per layer: fused add +
// RMS norm, rotary embedding, SiLU-and-mul), timed as eager enqueues and as one graph replay, both back to back
// with one synchronize. Usage: node test/gpu/graph-bench.mjs [addon.node]
import { deviceTensors, loadAddon, timeBackToBack } from './bench-common.mjs';

const { gpu, ops } = loadAddon(process.argv[2]);
const { tensor: anyTensor, buffers } = deviceTensors(gpu);
const tensor = (dtype, shape, fill = 0) => anyTensor(dtype, shape, fill);

const layers = 32, hidden = 4096, inter = 14336, heads = 32, kvHeads = 8, d = 128, maxPosition = 4096;
const timeSteps = (step, iters) => timeBackToBack(gpu, step, iters);

const rows = [];
for (const batch of [1, 8, 64]) {
  const x = tensor('bf16', [batch, hidden], 0x3c), res = tensor('bf16', [batch, hidden], 0x3c);
  const w = tensor('bf16', [hidden], 0x3f), q = tensor('bf16', [batch, heads * d], 0x3c);
  const k = tensor('bf16', [batch, kvHeads * d], 0x3c), pos = tensor('i32', [batch]);
  const cs = tensor('f32', [maxPosition, d], 0x3e);
  const gate = tensor('bf16', [batch, 2 * inter], 0x3c), act = tensor('bf16', [batch, inter]);
  const step = () => {
    for (let l = 0; l < layers; l++) {
      ops.gpuFusedAddRmsNorm(x, res, w, 1e-6);
      ops.gpuRotaryEmbedding(pos, q, k, cs, d, true);
      ops.gpuSiluAndMul(gate, act);
    }
  };
  const eager = timeSteps(step, 20);
  const graph = gpu.captureGraph(0, step);
  const replay = timeSteps(() => graph.replay(), 20);
  graph.dispose();
  rows.push({ batch, kernels: layers * 3, 'eager µs/step': eager.toFixed(1), 'graph µs/step': replay.toFixed(1),
    speedup: (eager / replay).toFixed(2) });
  for (const b of buffers.splice(0)) b.free();
}
const info = gpu.deviceInfo(0);
console.log(`${info.name} (${info.arch}): ${layers} layers of fused add+norm, rotary, silu-and-mul`);
console.table(rows);
