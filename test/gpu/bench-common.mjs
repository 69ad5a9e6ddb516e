// Helpers the GPU benchmark scripts in test/gpu share (not a test): the addon, random bf16 data, device tensors
// and back-to-back timing.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The addon at `file`, else $HIPSERVE_ADDON, else build-cuda's; throws without a GPU backend or device. */
export function loadAddon(file) {
  const addon = require(path.resolve(file ?? process.env.HIPSERVE_ADDON ?? 'build-cuda/Release/hipserve.node'));
  if (!addon.gpu || addon.gpu.deviceCount() === 0) throw new Error('no GPU backend or device');
  return addon;
}

/** `n` bf16 values uniform in [-1, 1) from a linear congruential generator seeded with `seed`. */
export function randomBf16(n, seed) {
  const out = new Uint16Array(n), f = new Float32Array(1), u = new Uint32Array(f.buffer);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[0] = (s / 4294967296) * 2 - 1;
    out[i] = u[0] >>> 16;
  }
  return out;
}

/**
 * `tensor(dtype, shape, init)` makes a device tensor ({ data, dtype, shape }; 'bf16' 2 bytes an element, others 4):
 * `init` a typed array is uploaded, a number fills every byte, absent leaves the memory as allocated. Every buffer
 * is also kept in `buffers`, for `for (const b of buffers.splice(0)) b.free()`.
 */
export function deviceTensors(gpu) {
  const buffers = [];
  function tensor(dtype, shape, init) {
    const bytes = shape.reduce((a, b) => a * b, 1) * (dtype === 'bf16' ? 2 : 4);
    const data = new gpu.DeviceBuffer(bytes);
    buffers.push(data);
    if (typeof init === 'number') data.fill(init);
    else if (init) data.upload(init);
    return { data, dtype, shape };
  }
  return { tensor, buffers };
}

/**
 * Microseconds per call of `fn` (which enqueues work without waiting): `warmup` calls and a synchronize, then the
 * host clock around `iters` calls back to back and one synchronize.
 */
export function timeBackToBack(gpu, fn, iters, warmup = 3) {
  for (let i = 0; i < warmup; i++) fn();
  gpu.synchronize(0);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  gpu.synchronize(0);
  return Number(process.hrtime.bigint() - t0) / 1e3 / iters;
}

/** The value after `name` in `args` (`--json file`), removed from `args` with its name; null when absent. */
export function optionValue(args, name) {
  const at = args.indexOf(name);
  return at < 0 ? null : args.splice(at, 2)[1] ?? null;
}
