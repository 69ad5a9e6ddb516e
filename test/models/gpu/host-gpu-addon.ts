/**
 * A GpuAddon whose "device" is host memory and whose ops run the CPU kernels on f32 copies of their bf16/f16
 * arguments (results rounded back to the tensor's dtype). It lets the GPU model code (weights upload, step buffers,
 * views with strides and offsets, graph capture and replay, the per-layer wiring) run and be compared with the CPU
 * models where no GPU is. It checks the dtype and aliasing rules the device entries enforce that the model code
 * could break; numerics and speed are the real kernels' business (test/gpu).
 */
import { loadAddon } from '../../../bindings/addon.js';
import { DTYPE_BYTES } from '../../../bindings/dtype.js';
import type { DeviceBuffer, DeviceTensorArg, GpuAddon, GpuGraph, GpuOps, NativeGpu } from '../../../bindings/gpu.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../../bindings/half.js';
import type { TensorArg } from '../../../bindings/tensor.js';

const cpu = loadAddon().ops;

class HostBuffer implements DeviceBuffer {
  readonly bytes: Uint8Array;
  readonly device = 0;

  constructor(readonly byteLength: number, private readonly state: { capturing: (() => void)[] | null }) {
    this.bytes = new Uint8Array(byteLength);
  }

  upload(src: ArrayBufferView | ArrayBuffer, byteOffset = 0): void {
    this.noCapture('upload');
    const b = ArrayBuffer.isView(src) ? new Uint8Array(src.buffer, src.byteOffset, src.byteLength) : new Uint8Array(src);
    this.bytes.set(b, byteOffset);
  }

  download(dst: ArrayBufferView | ArrayBuffer, byteOffset = 0): void {
    this.noCapture('download');
    const b = ArrayBuffer.isView(dst) ? new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength) : new Uint8Array(dst);
    b.set(this.bytes.subarray(byteOffset, byteOffset + b.byteLength));
  }

  copyFrom(src: DeviceBuffer, byteLength: number, dstOffset = 0, srcOffset = 0): void {
    run(this.state, () => this.bytes.set((src as HostBuffer).bytes.subarray(srcOffset, srcOffset + byteLength), dstOffset));
  }

  fill(byte: number): void {
    run(this.state, () => this.bytes.fill(byte));
  }

  free(): void {}

  private noCapture(what: string): void {
    if (this.state.capturing) throw Object.assign(new Error(`${what} during graph capture`), { code: 'HS_INVALID_ARGUMENT' });
  }
}

function run(state: { capturing: (() => void)[] | null }, op: () => void): void {
  if (state.capturing) state.capturing.push(op);
  else op();
}

function bad(message: string): never {
  throw Object.assign(new Error(message), { code: 'HS_INVALID_ARGUMENT' });
}

/** Byte offsets of the tensor's elements in row-major order. */
function offsets(t: DeviceTensorArg): Int32Array | number[] {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const size = DTYPE_BYTES[t.dtype], base = t.byteOffset ?? 0;
  if (!t.strides) return Int32Array.from({ length: n }, (_, e) => base + e * size);
  const strides = t.strides;
  const out = new Array<number>(n);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let e = 0; e < n; e++) {
    let o = 0;
    for (let d = 0; d < idx.length; d++) o += idx[d]! * strides[d]!;
    out[e] = base + o * size;
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function view(t: DeviceTensorArg): DataView {
  const b = (t.data as HostBuffer).bytes;
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The tensor's values in row-major order: f32 for float dtypes, i32 for i32. */
function read(t: DeviceTensorArg): TensorArg {
  const dv = view(t), offs = offsets(t);
  if (t.dtype === 'i32') return { data: Int32Array.from(offs, (o) => dv.getInt32(o, true)), dtype: 'i32', shape: t.shape };
  const get = t.dtype === 'f32' ? (o: number) => dv.getFloat32(o, true)
    : t.dtype === 'bf16' ? (o: number) => bf16ToF32(dv.getUint16(o, true))
      : t.dtype === 'f16' ? (o: number) => f16ToF32(dv.getUint16(o, true)) : bad(`dtype ${t.dtype}`);
  return { data: Float32Array.from(offs, get), dtype: 'f32', shape: t.shape };
}

/** Writes row-major values into the tensor, rounded to its dtype. */
function write(t: DeviceTensorArg, values: ArrayLike<number>): void {
  const dv = view(t), offs = offsets(t);
  for (let e = 0; e < offs.length; e++) {
    const o = offs[e]!, v = values[e]!;
    if (t.dtype === 'f32') dv.setFloat32(o, v, true);
    else if (t.dtype === 'i32') dv.setInt32(o, v, true);
    else if (t.dtype === 'bf16') dv.setUint16(o, f32ToBf16(v), true);
    else dv.setUint16(o, f32ToF16(v), true);
  }
}

const f32 = (t: TensorArg): Float32Array => t.data as Float32Array;
const half = (t: DeviceTensorArg): boolean => t.dtype === 'bf16' || t.dtype === 'f16';

function span(t: DeviceTensorArg): [number, number] {
  const offs = offsets(t);
  let lo = Infinity, hi = -Infinity;
  for (const o of offs) {
    lo = Math.min(lo, o);
    hi = Math.max(hi, o + DTYPE_BYTES[t.dtype]);
  }
  return [lo, hi];
}

function overlaps(a: DeviceTensorArg, b: DeviceTensorArg): boolean {
  if (a.data !== b.data) return false;
  const [al, ah] = span(a), [bl, bh] = span(b);
  return al < bh && bl < ah;
}

/** Runs a CPU op on f32 copies and writes `outs` back. */
function viaCpu(args: DeviceTensorArg[], outs: number[], op: (host: TensorArg[]) => void): void {
  const host = args.map(read);
  op(host);
  for (const i of outs) write(args[i]!, f32(host[i]!));
}

function attentionOptions(o: Parameters<GpuOps['gpuPagedAttention']>[8]) {
  return { ...o, sinks: o.sinks ? read(o.sinks) : undefined };
}

/** The emulated addon: one "device" of `totalBytes`. */
export function hostGpuAddon(totalBytes = 2 ** 32): GpuAddon {
  const state: { capturing: (() => void)[] | null } = { capturing: null };
  let allocated = 0;
  const enqueue = (op: () => void): void => run(state, op);
  const ops: GpuOps = {
    gpuRmsNorm: (x, w, eps, out) => enqueue(() => viaCpu([x, w, out], [2], ([a, b, c]) => cpu.rmsNorm(a!, b!, eps, c!))),
    gpuFusedAddRmsNorm: (x, r, w, eps) => enqueue(() =>
      viaCpu([x, r, w], [0, 1], ([a, b, c]) => cpu.fusedAddRmsNorm(a!, b!, c!, eps))),
    gpuSiluAndMul: (x, out) => enqueue(() => viaCpu([x, out], [1], ([a, b]) => cpu.siluAndMul(a!, b!))),
    gpuGeluTanhAndMul: (x, out) => enqueue(() => viaCpu([x, out], [1], ([a, b]) => cpu.geluTanhAndMul(a!, b!))),
    gpuEmbedding: (ids, table, out) => enqueue(() => viaCpu([ids, table, out], [2], ([a, b, c]) => cpu.embedding(a!, b!, c!))),
    gpuRotaryEmbedding: (positions, q, k, cosSin, headSize, isNeox, cache, qkNorm) => enqueue(() => {
      const [p, qh, kh, cs] = [positions, q, k, cosSin].map(read);
      if (qkNorm) {
        for (const [x, dst, w] of [[qh!, q, qkNorm.q], [kh!, k, qkNorm.k]] as const) {
          const rows = { data: x.data, dtype: 'f32' as const, shape: [f32(x).length / headSize, headSize] };
          cpu.rmsNorm(rows, read(w), qkNorm.eps, rows);
          write(dst, f32(x));  // rounded to the dtype before the rotation, as the kernel does
          f32(x).set(f32(read(dst)));
        }
      }
      cpu.rotaryEmbedding(p!, qh!, kh!, cs!, headSize, isNeox);
      write(q, f32(qh!));
      write(k, f32(kh!));
      if (!cache) return;
      const kr = f32(read(k)), vr = f32(read(cache.value)), slots = read(cache.slotMapping).data as Int32Array;
      const width = kr.length / slots.length;
      slots.forEach((slot, t) => {
        if (slot < 0) return;
        const at = (c: DeviceTensorArg): DeviceTensorArg =>
          ({ data: c.data, dtype: c.dtype, shape: [width], byteOffset: (c.byteOffset ?? 0) + slot * width * DTYPE_BYTES[c.dtype] });
        write(at(cache.keyCache), kr.subarray(t * width, (t + 1) * width));
        write(at(cache.valueCache), vr.subarray(t * width, (t + 1) * width));
      });
    }),
    gpuMatmul: (x, w, bias, out) => {
      if (!half(x) || w.dtype !== x.dtype) bad('gpuMatmul: x and w must share one half dtype');
      if (out.dtype !== x.dtype && out.dtype !== 'f32') bad("gpuMatmul: out must be x's dtype or f32");
      if (bias && bias.dtype !== out.dtype) bad("gpuMatmul: bias must be out's dtype");
      enqueue(() => {
        const o = read(out);
        cpu.matmul(read(x), read(w), bias ? read(bias) : null, o);
        write(out, f32(o));
      });
    },
    gpuPagedDecodeAttention: (q, kc, vc, seqLens, bt, _maxSeqLen, options, out) => enqueue(() => {
      const n = seqLens.shape[0]!;
      const qsl = { data: Int32Array.from({ length: n + 1 }, (_, i) => i), dtype: 'i32' as const, shape: [n + 1] };
      const o = read(out);
      cpu.pagedAttention(read(q), read(kc), read(vc), qsl, read(seqLens), read(bt), attentionOptions(options), o);
      write(out, f32(o));
    }),
    gpuPagedAttention: (q, kc, vc, qsl, seqLens, bt, _maxQ, _maxS, options, out) => enqueue(() => {
      const o = read(out);
      cpu.pagedAttention(read(q), read(kc), read(vc), read(qsl), read(seqLens), read(bt), attentionOptions(options), o);
      write(out, f32(o));
    }),
    gpuArgmax: (logits, out) => enqueue(() => {
      const o = read(out);
      cpu.argmax(read(logits), o);
      write(out, o.data as Int32Array);
    }),
    gpuMoeRoute: (logits, bias, options, ids, weights) => {
      if (bias && bias.dtype !== 'f32') bad('gpuMoeRoute: correctionBias must be f32');
      if (ids.dtype !== 'i32' || weights.dtype !== 'f32') bad('gpuMoeRoute: topkIds i32, topkWeights f32');
      enqueue(() => {
        const i = read(ids), w = read(weights);
        cpu.moeRoute(read(logits), bias ? read(bias) : null, options, i, w);
        write(ids, i.data as Int32Array);
        write(weights, f32(w));
      });
    },
    gpuFusedMoe: (x, w13, b13, w2, b2, ids, weights, options, out) => {
      if (!half(x) || [w13, w2, out].some((t) => t.dtype !== x.dtype)) bad('gpuFusedMoe: x, w13, w2, out: one half dtype');
      if ([b13, b2, weights].some((t) => t && t.dtype !== 'f32') || ids.dtype !== 'i32') bad('gpuFusedMoe: dtypes');
      if (overlaps(x, out)) bad('gpuFusedMoe: out must not overlap x');
      const { path: _path, ...cpuOptions } = options;
      enqueue(() => {
        const o = read(out);
        cpu.fusedMoe(read(x), read(w13), b13 ? read(b13) : null, read(w2), b2 ? read(b2) : null, read(ids),
          read(weights), cpuOptions, o);
        write(out, f32(o));
      });
    },
    gpuTopKTopPMinP: () => bad('not emulated'),
    gpuSampleCategorical: () => bad('not emulated'),
    gpuSample: () => bad('not emulated'),
    gpuApplyLogitsProcessors: () => bad('not emulated'),
    gpuLogprobs: () => bad('not emulated'),
    gpuGatherRows: () => bad('not emulated'),
    gpuMlaAttention: (q, cache, qsl, seqLens, bt, _maxQ, _maxS, options, out) => {
      if (!half(q) || cache.dtype !== q.dtype || out.dtype !== q.dtype) bad('gpuMlaAttention: q, cache, out: one half dtype');
      enqueue(() => {
        const [t, h, w] = q.shape as [number, number, number];
        const l = out.shape[2]!, c = read(cache);
        const latent = { data: c.data, dtype: 'f32' as const, shape: [c.shape[0]!, c.shape[1]!, 1, w] };
        const full = { data: new Float32Array(t * h * w), dtype: 'f32' as const, shape: [t, h, w] };
        cpu.pagedAttention(read(q), latent, latent, read(qsl), read(seqLens), read(bt), { scale: options.scale }, full);
        const o = new Float32Array(t * h * l);
        for (let r = 0; r < t * h; r++) o.set(full.data.subarray(r * w + w - l, (r + 1) * w), r * l);
        write(out, o);
      });
    },
    gpuMlaRopeCache: (positions, q, kv, weight, eps, cosSin, isNeox, slotMapping, qAbs, cache) => {
      if (!half(q) || [kv, weight, qAbs, cache].some((x) => x.dtype !== q.dtype)) bad('gpuMlaRopeCache: one half dtype');
      enqueue(() => {
        const [t, h, qk] = q.shape as [number, number, number];
        const r = cosSin.shape[1]!, l = weight.shape[0]!, w = r + l, pairs = r / 2;
        const cs = f32(read(cosSin)), qv = f32(read(q)), kvv = f32(read(kv)), wv = f32(read(weight));
        const pos = read(positions).data as Int32Array, slots = read(slotMapping).data as Int32Array;
        const rope = (x: Float32Array, p: number): Float32Array => {
          const y = new Float32Array(r);
          for (let j = 0; j < pairs; j++) {
            const [i0, i1] = isNeox ? [j, j + pairs] : [2 * j, 2 * j + 1];
            const c = cs[p * r + j]!, s = cs[p * r + pairs + j]!;
            y[i0] = x[i0]! * c - x[i1]! * s;
            y[i1] = x[i1]! * c + x[i0]! * s;
          }
          return y;
        };
        const qRope = new Float32Array(t * h * r);
        for (let i = 0; i < t * h; i++) qRope.set(rope(qv.subarray(i * qk + qk - r, (i + 1) * qk), pos[Math.floor(i / h)]!), i * r);
        write({ ...qAbs, shape: [t, h, r], strides: qAbs.strides ?? [h * w, w, 1] }, qRope);
        slots.forEach((slot, i) => {
          if (slot < 0) return;
          const row = kvv.subarray(i * (l + r), (i + 1) * (l + r)), latent = new Float32Array(w);
          let ss = 0;
          for (let e = 0; e < l; e++) ss += row[e]! ** 2;
          const inv = 1 / Math.sqrt(ss / l + eps);
          latent.set(rope(row.subarray(l), pos[i]!));
          for (let e = 0; e < l; e++) latent[r + e] = row[e]! * inv * wv[e]!;
          write({ data: cache.data, dtype: cache.dtype, shape: [w], byteOffset: (cache.byteOffset ?? 0) + slot * w * 2 }, latent);
        });
      });
    },
    gpuMlaHeadGemm: (x, w, out) => {
      if (!half(x) || w.dtype !== x.dtype || out.dtype !== x.dtype) bad('gpuMlaHeadGemm: x, w, out: one half dtype');
      enqueue(() => {
        const [t, h, k] = x.shape as [number, number, number];
        const n = w.shape[1]!, xv = f32(read(x)), wv = f32(read(w)), o = new Float32Array(t * h * n);
        for (let head = 0; head < h; head++) {
          const xh = new Float32Array(t * k), oh = new Float32Array(t * n);
          for (let i = 0; i < t; i++) xh.set(xv.subarray((i * h + head) * k, (i * h + head + 1) * k), i * k);
          cpu.matmul({ data: xh, dtype: 'f32', shape: [t, k] },
            { data: wv.subarray(head * n * k, (head + 1) * n * k), dtype: 'f32', shape: [n, k] }, null,
            { data: oh, dtype: 'f32', shape: [t, n] });
          for (let i = 0; i < t; i++) o.set(oh.subarray(i * n, (i + 1) * n), (i * h + head) * n);
        }
        write(out, o);
      });
    },
    gpuGatedMatmul: () => bad('not emulated'),
  };
  const gpu: NativeGpu = {
    vendor: 'cuda',
    deviceCount: () => 1,
    deviceInfo: () => ({ name: 'host emulation', arch: 'host', vendor: 'cuda', waveSize: 32, computeUnits: 1,
      maxSharedPerBlock: 49152, matrixCores: false, totalBytes, freeBytes: totalBytes - allocated }),
    memGetInfo: () => ({ freeBytes: totalBytes - allocated, totalBytes }),
    synchronize: () => {
      if (state.capturing) bad('synchronize during graph capture');
    },
    profilerCollect: () => {},
    allocatorStats: () => ({ allocatedBytes: allocated, reservedBytes: allocated, peakAllocatedBytes: allocated,
      deviceMallocs: 0, cacheHits: 0, graphPoolBytes: 0 }),
    emptyCache: () => {},
    DeviceBuffer: class extends HostBuffer {
      constructor(byteLength: number) {
        super(byteLength, state);
        allocated += byteLength;
      }
    } as unknown as NativeGpu['DeviceBuffer'],
    captureGraph: (device, record): GpuGraph => {
      if (state.capturing) bad('one capture at a time');
      const recorded: (() => void)[] = [];
      state.capturing = recorded;
      try {
        record();
      } finally {
        state.capturing = null;
      }
      let disposed = false;
      return {
        device,
        get disposed() { return disposed; },
        replay: () => {
          if (disposed) bad('replay after dispose');
          for (const op of recorded) op();
        },
        dispose: () => { disposed = true; },
      };
    },
  };
  const opsAsync = Object.fromEntries(Object.entries(ops).map(([k, f]) =>
    [k, (...a: unknown[]) => Promise.resolve((f as (...x: unknown[]) => void)(...a))])) as unknown as GpuAddon['opsAsync'];
  return { gpu, ops, opsAsync };
}
