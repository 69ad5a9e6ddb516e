// One sampling step on the device (DeviceSampler: upload params, kernels, download ids) beside the host path
// (download the logits, then the native CPU Sampler), for B = 1, 64, 256 at V = 128256 and 151936. Host-clock
// medians; each device figure includes the launch-and-synchronize round trips of its ops. Each row is printed as a
// JSON line as it is measured (the host steps at B = 256 take long), then the table. SAMPLING_VOCABS
// (comma-separated) picks the vocabulary sizes.
// Usage (after npm run build): node test/gpu/bench-sampling.mjs
import { loadAddon } from '../../dist/bindings/addon.js';
import { loadGpuAddon } from '../../dist/bindings/gpu.js';
import { DeviceSampler } from '../../dist/src/sampling/device-sampler.js';
import { Generator } from '../../dist/src/sampling/generator.js';
import { nativeSamplingKernels } from '../../dist/src/sampling/native-sampling-kernels.js';
import { Sampler } from '../../dist/src/sampling/sampler.js';
import { resolveSamplingParams } from '../../dist/src/sampling/sampling-params.js';

const addon = loadAddon(), g = loadGpuAddon(addon);
if (!g || g.gpu.deviceCount() === 0) throw new Error('no GPU backend or device');
const kernels = nativeSamplingKernels(addon.ops);

function median(fn, iters) {
  for (let i = 0; i < 2; i++) fn();
  const t = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
}

const scenarios = {
  greedy: { temperature: 0 },
  'T0.8 k50 p0.9': { temperature: 0.8, topK: 50, topP: 0.9 },
  'T1 p0.95 +lp5': { temperature: 1, topP: 0.95, logprobs: 5 },
};
const table = [];
for (const v of process.env.SAMPLING_VOCABS?.split(',').map(Number) ?? [128256, 151936]) {
  const maxB = 256, host = new Float32Array(maxB * v);
  let s = 1;
  for (let i = 0; i < host.length; i++) host[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 16 - 8;
  const buf = new g.gpu.DeviceBuffer(host.byteLength);
  buf.upload(host);
  const device = new DeviceSampler(g, v, { maxNumSeqs: maxB });
  const hostSampler = new Sampler(v, kernels);
  for (const b of [1, 64, 256]) {
    // The host path (a B × V download and the CPU sampler) takes tens of ms at B = 256: fewer of them.
    const logits = { data: buf, dtype: 'f32', shape: [b, v] }, iters = b === 256 ? 10 : 30, hostIters = b === 1 ? 10 : 4;
    const hostLogits = new Float32Array(b * v);
    const download = median(() => buf.download(hostLogits), hostIters);
    for (const [name, init] of Object.entries(scenarios)) {
      const params = resolveSamplingParams(init, { vocabSize: v });
      const rows = Array.from({ length: b }, (_, i) => ({ params, promptTokenIds: [], outputTokenIds: [], eosTokenIds: [2],
        generator: new Generator(i) }));
      const dev = median(() => device.sample(logits, rows), iters);
      const hostStep = median(() => { buf.download(hostLogits); hostSampler.sample(hostLogits, rows); }, hostIters);
      const row = { vocab: v, batch: b, case: name, deviceUs: dev, hostUs: hostStep, downloadUs: download };
      console.log(JSON.stringify(row));  // as it goes, so a run cut short by a time limit still reports
      table.push({ V: v, B: b, case: name, 'device step us': dev.toFixed(0), 'host step us': hostStep.toFixed(0),
        'of it download us': download.toFixed(0), 'D2H GB/s': (b * v * 4 / download / 1e3).toFixed(1),
        speedup: (hostStep / dev).toFixed(1) });
    }
  }
  device.dispose();
  buf.free();
}
const info = g.gpu.deviceInfo(0);
console.log(`${info.name} (${info.arch}, ${info.computeUnits} CUs)`);
console.table(table);
