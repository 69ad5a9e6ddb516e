import { afterEach, describe, expect, it } from 'vitest';

import type { DeviceTensorArg } from '../../bindings/gpu.js';
import { randomF32 } from '../helpers/random.js';
import { DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfViolation, noGpu, relativeError, roundHalf, type HalfDType } from './helpers/gpu.js';

/** out[t, h, n] = Σ_k x[t, h, k] · w[h, n, k], in f64. */
function headGemm(x: Float32Array, w: Float32Array, t: number, h: number, n: number, k: number): Float32Array {
  const out = new Float32Array(t * h * n);
  for (let i = 0; i < t; i++)
    for (let j = 0; j < h; j++)
      for (let o = 0; o < n; o++) {
        let acc = 0;
        for (let e = 0; e < k; e++) acc += x[(i * h + j) * k + e]! * w[(j * n + o) * k + e]!;
        out[(i * h + j) * n + o] = acc;
      }
  return out;
}

describe.skipIf(noGpu)('gpuMlaHeadGemm', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  // [T, H, N, K]: decode and prefill token counts, DeepSeek's absorption (K = nope, N = L) and W_UV (K = L, N = v),
  // the tiny fixture's, and edges of the 64-wide tiles.
  for (const [t, h, n, k] of [[1, 128, 512, 128], [5, 16, 128, 512], [130, 4, 32, 16], [64, 3, 16, 32], [65, 2, 72, 40],
    [70, 8, 128, 64], [70, 8, 64, 128]] as const)
    for (const dtype of HALF_DTYPES)
      it(`T=${t} H=${h} N=${n} K=${k} (${dtype}), x and out strided per token and head`, () => {
        const xPad = 8, outPad = 16;
        const x = roundHalf(dtype, randomF32(t * h * k, t + n, 1));
        const w = roundHalf(dtype, randomF32(h * n * k, k + h, 0.1));
        const xWide = new Float32Array(t * h * (k + xPad));
        for (let r = 0; r < t * h; r++) xWide.set(x.subarray(r * k, (r + 1) * k), r * (k + xPad) + xPad);
        const xd = pool.half(dtype, [t, h, k + xPad], xWide);
        const out = pool.poisoned(dtype, [t, h, n + outPad]);
        gpuAddon().ops.gpuMlaHeadGemm(xView(xd, [t, h, k], k + xPad, xPad),
          pool.half(dtype, [h, n, k], w), xView(out, [t, h, n], n + outPad, outPad));
        const all = downloadHalf(dtype, out);
        const got = new Float32Array(t * h * n);
        for (let r = 0; r < t * h; r++) got.set(all.subarray(r * (n + outPad) + outPad, (r + 1) * (n + outPad)), r * n);
        const want = headGemm(x, w, t, h, n, k);
        expect(relativeError(got, want)).toBeLessThan(dtype === 'bf16' ? 4e-3 : 1e-3);
        expect(halfViolation(dtype, got, want, 2e-3)).toBeLessThanOrEqual(1);
        for (let r = 0; r < t * h; r++) expect(Number.isNaN(all[r * (n + outPad)]!)).toBe(true); // padding untouched
      });

  it('rejects widths that are not multiples of 8 and mismatched heads', () => {
    const x = pool.half('bf16', [2, 4, 12], new Float32Array(96));
    expect(() => gpuAddon().ops.gpuMlaHeadGemm(x, pool.half('bf16', [4, 16, 12], new Float32Array(768)),
      pool.poisoned('bf16', [2, 4, 16]))).toThrow(expect.objectContaining({ code: 'HS_UNSUPPORTED' }));
    const y = pool.half('bf16', [2, 4, 16], new Float32Array(128));
    expect(() => gpuAddon().ops.gpuMlaHeadGemm(y, pool.half('bf16', [3, 16, 16], new Float32Array(768)),
      pool.poisoned('bf16', [2, 4, 16]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
  });
});

/** [t, h, width] view of rows `pitch` wide starting `offset` elements in. */
function xView(t: DeviceTensorArg, shape: number[], pitch: number, offset: number): DeviceTensorArg {
  return { data: t.data, dtype: t.dtype, shape, strides: [shape[1]! * pitch, pitch, 1], byteOffset: offset * 2 };
}

describe.skipIf(noGpu)('gpuMlaRopeCache', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  function check(dtype: HalfDType, isNeox: boolean, heads: number, nope: number, rope: number, latent: number): void {
    const t = 5, blockSize = 4, numBlocks = 3, maxPos = 50, width = rope + latent, eps = 1e-6;
    const positions = [0, 7, 49, 3, 20];
    const slots = [5, -1, 0, 11, 2];
    const q = roundHalf(dtype, randomF32(t * heads * (nope + rope), 1));
    const kv = roundHalf(dtype, randomF32(t * (latent + rope), 2, 3));
    const weight = roundHalf(dtype, randomF32(latent, 3));
    const cosSin = new Float32Array(maxPos * rope);
    for (let p = 0; p < maxPos; p++)
      for (let i = 0; i < rope / 2; i++) {
        cosSin[p * rope + i] = Math.cos(p * 0.3 ** i);
        cosSin[p * rope + rope / 2 + i] = Math.sin(p * 0.3 ** i);
      }
    const qAbs = pool.poisoned(dtype, [t, heads, width]);
    const cache = pool.half(dtype, [numBlocks, blockSize, 1, width], new Float32Array(numBlocks * blockSize * width));
    gpuAddon().ops.gpuMlaRopeCache(pool.i32([t], positions), pool.half(dtype, [t, heads, nope + rope], q),
      pool.half(dtype, [t, latent + rope], kv), pool.half(dtype, [latent], weight), eps, pool.f32([maxPos, rope], cosSin),
      isNeox, pool.i32([t], slots), qAbs, cache);
    const gotQ = downloadHalf(dtype, qAbs), gotCache = downloadHalf(dtype, cache);

    const rotate = (x: Float32Array, pos: number): Float32Array => {
      const y = new Float32Array(rope), half = rope / 2;
      for (let j = 0; j < half; j++) {
        const [i0, i1] = isNeox ? [j, j + half] : [2 * j, 2 * j + 1];
        const c = cosSin[pos * rope + j]!, s = cosSin[pos * rope + half + j]!;
        y[i0] = x[i0]! * c - x[i1]! * s;
        y[i1] = x[i1]! * c + x[i0]! * s;
      }
      return y;
    };
    const wantQ: number[] = [], gotQRope: number[] = [];
    for (let i = 0; i < t; i++)
      for (let h = 0; h < heads; h++) {
        const base = (i * heads + h) * (nope + rope) + nope;
        wantQ.push(...rotate(q.subarray(base, base + rope), positions[i]!));
        const at = (i * heads + h) * width;
        gotQRope.push(...gotQ.subarray(at, at + rope));
        expect(Number.isNaN(gotQ[at + rope]!)).toBe(true); // the latent part is left for the absorption
      }
    expect(halfViolation(dtype, gotQRope, wantQ, 1e-3)).toBeLessThanOrEqual(1);

    const wantCache = new Float32Array(numBlocks * blockSize * width);
    for (let i = 0; i < t; i++) {
      if (slots[i]! < 0) continue;
      const row = kv.subarray(i * (latent + rope), (i + 1) * (latent + rope));
      let ss = 0;
      for (let e = 0; e < latent; e++) ss += row[e]! ** 2;
      const inv = 1 / Math.sqrt(ss / latent + eps);
      const dst = slots[i]! * width;
      wantCache.set(rotate(row.subarray(latent), positions[i]!), dst);
      for (let e = 0; e < latent; e++) wantCache[dst + rope + e] = row[e]! * inv * weight[e]!;
    }
    expect(halfViolation(dtype, gotCache, wantCache, 1e-3)).toBeLessThanOrEqual(1);
  }

  it('ropes q_pe and k_pe (GPT-J pairs) and writes [k_pe | normalized c_kv] at DeepSeek-V3 widths', () => {
    check('bf16', false, 16, 128, 64, 512);
  });
  it('does the same with NeoX pairs, f16, and the tiny fixture widths', () => {
    check('f16', true, 4, 16, 8, 32);
    check('bf16', false, 3, 16, 8, 32);
    check('bf16', false, 8, 64, 64, 128);
  });

  it('reports out-of-range positions and slots as HS_OUT_OF_BOUNDS', () => {
    const args = (pos: number, slot: number) => [pool.i32([1], [pos]), pool.half('bf16', [1, 2, 24], new Float32Array(48)),
      pool.half('bf16', [1, 40], new Float32Array(40)), pool.half('bf16', [32], new Float32Array(32).fill(1)), 1e-6,
      pool.f32([10, 8], new Float32Array(80)), false, pool.i32([1], [slot]), pool.poisoned('bf16', [1, 2, 40]),
      pool.half('bf16', [2, 4, 40], new Float32Array(320))] as const;
    const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
    for (const [pos, slot] of [[10, 0], [-1, 0], [0, 8]] as const) {
      gpuAddon().ops.gpuMlaRopeCache(...args(pos, slot));
      expect(() => gpuAddon().gpu.synchronize(0)).toThrow(oob);
    }
    gpuAddon().ops.gpuMlaRopeCache(...args(9, 7));
    gpuAddon().gpu.synchronize(0);
  });
});
