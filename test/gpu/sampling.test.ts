// GPU sampling kernels against the CPU kernels on the same logits, and the DeviceSampler against the host Sampler
// on the same logits and uniforms (the rows' generators, seeded alike).
import { afterEach, describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import { DeviceSampler } from '../../src/sampling/device-sampler.js';
import { jsSamplingKernels } from '../../src/sampling/js-sampling-kernels.js';
import { positionLogprobs } from '../../src/sampling/logprobs.js';
import { Sampler } from '../../src/sampling/sampler.js';
import { randomF32, rng } from '../helpers/random.js';
import { mixedRows } from '../helpers/sampling-rows.js';
import { cpu, DevicePool, gpuAddon, noGpu } from './helpers/gpu.js';

/** Logits with a few planted ties, -inf and a NaN, like real rows after masking. */
function logitsWithEdges(rows: number, v: number, seed: number): Float32Array {
  const x = randomF32(rows * v, seed, 6), next = rng(seed + 1);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * v, (r + 1) * v);
    for (let j = 0; j < 4; j++) row[Math.floor(next() * v)] = -Infinity;
    if (v > 8) row[Math.floor(next() * v)] = Number.NaN;
    const top = Math.floor(next() * v);
    row[top] = 9;
    row[(top + 5) % v] = 9;  // argmax tie: the lower index wins
  }
  return x;
}

const SHAPES = [[1, 7], [3, 1000], [5, 4099], [2, 128256], [1, 151936]] as const;

describe.skipIf(noGpu)('GPU sampling kernels', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());
  const { ops } = noGpu ? ({} as never) : gpuAddon();
  const i32Out = (b: number) => pool.i32([b], new Int32Array(b).fill(-7));

  for (const [b, v] of SHAPES)
    it(`argmax matches the CPU kernel [${b}, ${v}]`, () => {
      const x = logitsWithEdges(b, v, b + v), out = i32Out(b);
      ops.gpuArgmax(pool.f32([b, v], x), out);
      const want = new Int32Array(b);
      cpu.argmax(Tensor.f32([b, v], x), { data: want, dtype: 'i32', shape: [b] });
      expect(out.download(new Int32Array(b))).toEqual(want);
    });

  for (const [b, v] of SHAPES)
    it(`top-k/top-p/min-p masks as the CPU kernel [${b}, ${v}]`, () => {
      const rows = 4 * b, x = randomF32(rows * v, v + 1, 5);
      const topK = Int32Array.from({ length: rows }, (_, i) => [0, 1, 50, Math.max(1, v - 1)][i % 4]!);
      const topP = Float32Array.from({ length: rows }, (_, i) => [1, 0.9, 0.5, 0.95][(i + 1) % 4]!);
      const minP = Float32Array.from({ length: rows }, (_, i) => [0, 0.1, 0, 0.01][(i + 2) % 4]!);
      const dx = pool.f32([rows, v], x);
      ops.gpuTopKTopPMinP(dx, pool.i32([rows], topK), pool.f32([rows], topP), pool.f32([rows], minP));
      // The CPU kernel filters in place: hand it `want` itself (Tensor.f32 would filter a copy).
      const want = x.slice();
      cpu.topKTopPMinP({ data: want, dtype: 'f32', shape: [rows, v] }, { data: topK, dtype: 'i32', shape: [rows] },
        Tensor.f32([rows], topP), Tensor.f32([rows], minP));
      const got = dx.download(new Float32Array(rows * v));
      for (let r = 0; r < rows; r++) {
        // Top-p's cut depends on a sum of exps: at most the boundary element may fall the other way.
        let diff = 0;
        for (let i = r * v; i < (r + 1) * v; i++) if (Object.is(got[i], -Infinity) !== Object.is(want[i], -Infinity)) diff++;
        expect(diff, `row ${r}`).toBeLessThanOrEqual(topP[r]! < 1 ? 1 : 0);
      }
    });

  for (const [b, v] of SHAPES)
    it(`categorical draw matches the CPU kernel [${b}, ${v}]`, () => {
      const rows = 8 * b, x = randomF32(rows * v, v + 2, 3);
      for (let i = 0; i < x.length; i += 3) x[i] = -Infinity;
      const u = Float32Array.from({ length: rows }, (_, i) => [0, 0.999999, 0.5, 0.25, 0.75, 0.1, 0.9, 0.33][i % 8]!);
      const out = i32Out(rows);
      ops.gpuSampleCategorical(pool.f32([rows, v], x), pool.f32([rows], u), out);
      const want = new Int32Array(rows);
      cpu.sampleCategorical(Tensor.f32([rows, v], x), Tensor.f32([rows], u), { data: want, dtype: 'i32', shape: [rows] });
      const got = out.download(new Int32Array(rows));
      expect(got).toEqual(want);
      got.forEach((id, r) => expect(x[r * v + id], `row ${r}`).not.toBe(-Infinity));
    });

  it('fused gpuSample: greedy rows argmax, the others filter and draw like the JS kernels', () => {
    const rows = 12, v = 32000, x = randomF32(rows * v, 9, 4);
    const temperature = Float32Array.from({ length: rows }, (_, i) => [0, 1, 0.7, 1.5][i % 4]!);
    const topK = Int32Array.from({ length: rows }, (_, i) => [0, 20, 0, 100][i % 3]!);
    const topP = Float32Array.from({ length: rows }, (_, i) => [1, 0.9, 0.6][i % 3]!);
    const minP = Float32Array.from({ length: rows }, (_, i) => [0, 0, 0.05, 0.2][i % 4]!);
    const u = Float32Array.from({ length: rows }, (_, i) => (i * 0.37) % 1);
    const out = i32Out(rows);
    ops.gpuSample(pool.f32([rows, v], x), {
      temperature: pool.f32([rows], temperature), topK: pool.i32([rows], topK), topP: pool.f32([rows], topP),
      minP: pool.f32([rows], minP), uniform: pool.f32([rows], u),
    }, out);
    const got = out.download(new Int32Array(rows));
    for (let r = 0; r < rows; r++) {
      const row = x.slice(r * v, (r + 1) * v), one = new Int32Array(1);
      if (temperature[r] === 0) {
        jsSamplingKernels.argmax(row, 1, v, one);
      } else {
        for (let i = 0; i < v; i++) row[i] = row[i]! / temperature[r]!;
        jsSamplingKernels.topKTopPMinP(row, 1, v, topK.subarray(r, r + 1), topP.subarray(r, r + 1), minP.subarray(r, r + 1));
        jsSamplingKernels.sampleCategorical(row, 1, v, u.subarray(r, r + 1), one);
      }
      expect(got[r], `row ${r}`).toBe(one[0]);
    }
  });

  for (const gathered of [false, true])
    it(`logprobs match positionLogprobs (k = 0..20, ties${gathered ? ', gathered rows' : ''})`, () => {
      const b = 6, v = 50000, x = randomF32(b * v, 4, 5);
      x.fill(7, 2 * v, 2 * v + 40);  // 40 equal maxima in row 2: the lowest indices make the top 20
      x.fill(-Infinity, 4 * v + 10, 5 * v);
      const sampled = Int32Array.from({ length: b }, (_, i) => (i * 7919) % v);
      const rowIndex = Int32Array.from([5, 0, 2, 4]), k = 20, m = rowIndex.length;
      const src = pool.f32([b, v], x);
      let rows = src;
      if (gathered) {
        rows = pool.poisoned('f32', [m, v]);
        ops.gpuGatherRows(src, pool.i32([m], rowIndex), rows);
      }
      const token = pool.poisoned('f32', [m, 2]), topIds = pool.i32([m, k], new Int32Array(m * k)), topLp = pool.poisoned('f32', [m, k]);
      ops.gpuLogprobs(rows, { rowIndex: pool.i32([m], rowIndex), sampled: pool.i32([b], sampled), gathered },
        { token, topIds, topLogprobs: topLp });
      const t = token.download(new Float32Array(m * 2)), ids = topIds.download(new Int32Array(m * k));
      const lps = topLp.download(new Float32Array(m * k));
      rowIndex.forEach((r, j) => {
        const want = positionLogprobs(x.subarray(r * v, (r + 1) * v), sampled[r]!, k);
        expect(t[2 * j]).toBeCloseTo(want.token.logprob, 4);
        expect(t[2 * j + 1]).toBe(want.token.rank);
        expect(Array.from(ids.subarray(j * k, (j + 1) * k))).toEqual(want.top.map((e) => e.tokenId));
        want.top.forEach((e, i) => expect(lps[j * k + i]).toBeCloseTo(e.logprob, 4));
      });
    });

  it('rejects bad arguments with coded errors, and device-side bad ids through the fault word', () => {
    const code = (c: string) => expect.objectContaining({ code: c });
    const x = pool.f32([2, 10], new Float32Array(20));
    expect(() => ops.gpuArgmax(x, pool.i32([3], new Int32Array(3)))).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.gpuArgmax(pool.i32([2, 10], new Int32Array(20)), i32Out(2))).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.gpuArgmax({ ...x, shape: [0, 10] }, { ...i32Out(1), shape: [0] })).toThrow(code('HS_EMPTY_BATCH'));
    expect(() => ops.gpuSample(x, {} as never, i32Out(2))).toThrow(code('HS_INVALID_ARGUMENT'));
    const offsets = pool.i32([9], [0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => {
      ops.gpuApplyLogitsProcessors(x, { offsets, ids: pool.i32([1], [10]), values: pool.f32([1], [0]),
        penalties: pool.f32([2, 3], [1, 0, 0, 1, 0, 0]) });
      gpuAddon().gpu.synchronize(0);
    }).toThrow(code('HS_OUT_OF_BOUNDS'));
  });
});

describe.skipIf(noGpu)('DeviceSampler', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  for (const v of [1000, 151936])
    it(`picks the host Sampler's tokens and logprobs on a mixed batch (V = ${v})`, () => {
      for (const seed of [1, 2, 3]) {
        const hostRows = mixedRows(v, seed), deviceRows = mixedRows(v, seed), n = hostRows.length;
        const x = randomF32(n * v, seed, 4);
        const device = new DeviceSampler(gpuAddon(), v, { maxNumSeqs: 16 });
        const got = device.sample(pool.f32([n, v], x), deviceRows);
        const want = new Sampler(v, jsSamplingKernels).sample(x.slice(), hostRows);
        device.dispose();
        expect(got.map((r) => r.tokenId)).toEqual(want.map((r) => r.tokenId));
        got.forEach((r, i) => {
          const w = want[i]!.logprobs;
          if (!w) return expect(r.logprobs).toBeNull();
          expect(r.logprobs!.token.rank).toBe(w.token.rank);
          expect(r.logprobs!.token.logprob).toBeCloseTo(w.token.logprob, 4);
          expect(r.logprobs!.top.map((e) => e.tokenId)).toEqual(w.top.map((e) => e.tokenId));
          r.logprobs!.top.forEach((e, j) => expect(e.logprob).toBeCloseTo(w.top[j]!.logprob, 4));
        });
      }
    });

  it('gives a seeded row the same tokens whatever shares its batch, and the host its next uniform', () => {
    const v = 5000, device = new DeviceSampler(gpuAddon(), v, { maxNumSeqs: 16 });
    const alone = mixedRows(v, 4).slice(3, 4), batched = mixedRows(v, 4);
    const x = randomF32(14 * v, 8, 3);
    const a = device.sample(pool.f32([1, v], x.subarray(3 * v, 4 * v)), alone);
    const b = device.sample(pool.f32([14, v], x), batched);
    device.dispose();
    expect(a[0]!.tokenId).toBe(b[3]!.tokenId);
    expect(alone[0]!.generator.nextUniform()).toBe(batched[3]!.generator.nextUniform());
  });
});
