import { afterEach, describe, expect, it } from 'vitest';

import type { MoeRouteOptions } from '../../bindings/addon.js';
import type { DeviceFusedMoeOptions } from '../../bindings/gpu.js';
import { Tensor } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32, rng } from '../helpers/random.js';
import {
  cpu, DevicePool, downloadHalf, gpuAddon, type HalfDType, noGpu, relativeError, roundHalf, toHalf,
} from './helpers/gpu.js';

const ROUTES: Array<[string, number, MoeRouteOptions, boolean]> = [
  ['Qwen3-MoE softmax → top-8, renormalized', 128, { router: 'softmax_topk', topK: 8, renormalize: true }, false],
  ['softmax → top-4 without renormalizing', 64, { router: 'softmax_topk', topK: 4 }, false],
  ['Mixtral: 8 experts, top-2', 8, { router: 'softmax_topk', topK: 2, renormalize: true }, false],
  ['top-1 of 8', 8, { router: 'softmax_topk', topK: 1 }, false],
  ['gpt-oss top-4 → softmax', 128, { router: 'topk_softmax', topK: 4 }, false],
  ['DeepSeek-V3 grouped sigmoid with bias', 256,
    { router: 'sigmoid_grouped', topK: 8, renormalize: true, numGroups: 8, topkGroups: 4, routedScalingFactor: 2.5 }, true],
  ['GLM-4.5 sigmoid, one group', 128,
    { router: 'sigmoid_grouped', topK: 8, renormalize: true, numGroups: 1, topkGroups: 1, routedScalingFactor: 1.5 }, true],
  ['sigmoid grouped without bias or renormalizing', 12, { router: 'sigmoid_grouped', topK: 3, numGroups: 3, topkGroups: 2 }, false],
];

describe.skipIf(noGpu)('gpuMoeRoute', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  for (const logitsDType of ['f32', 'bf16'] as const)
    it.each(ROUTES)(`%s matches the CPU router (${logitsDType} logits)`, (_, experts, options, withBias) => {
      for (const t of [1, 7, 64, 300]) {
        const raw = randomF32(t * experts, t + experts, 3);
        const logits = logitsDType === 'f32' ? raw : roundHalf('bf16', raw);
        const bias = withBias ? randomF32(experts, experts + 1, 0.5) : null;
        const ids = pool.i32([t, options.topK], new Int32Array(t * options.topK).fill(-7));
        const weights = pool.poisoned('f32', [t, options.topK]);
        const logitsArg = logitsDType === 'f32' ? pool.f32([t, experts], logits) : pool.half('bf16', [t, experts], logits);
        gpuAddon().ops.gpuMoeRoute(logitsArg, bias ? pool.f32([experts], bias) : null, options, ids, weights);
        const wantIds = Tensor.i32([t, options.topK]);
        const wantWeights = Tensor.f32([t, options.topK]);
        cpu.moeRoute(Tensor.f32([t, experts], logits), bias ? Tensor.f32([experts], bias) : null, options, wantIds, wantWeights);
        expect([...ids.download(new Int32Array(t * options.topK))]).toEqual([...wantIds.data]);
        expectClose(weights.download(new Float32Array(t * options.topK)), wantWeights.data, 1e-6, 1e-5);
      }
    });

  it('rejects bad options and shapes with coded errors', () => {
    const { ops } = gpuAddon();
    const logits = pool.f32([2, 8], new Float32Array(16));
    const ids = pool.i32([2, 2], [0, 0, 0, 0]);
    const weights = pool.poisoned('f32', [2, 2]);
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(() => ops.gpuMoeRoute(logits, null, { router: 'softmax_topk', topK: 9 }, ids, weights)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMoeRoute(logits, null, { router: 'softmax_topk', topK: 3 }, ids, weights)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.gpuMoeRoute(logits, pool.f32([8], new Float32Array(8)), { router: 'softmax_topk', topK: 2 }, ids, weights))
      .toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuMoeRoute(logits, null, { router: 'sigmoid_grouped', topK: 2, numGroups: 3 }, ids, weights))
      .toThrow(code('HS_INVALID_ARGUMENT'));
  });
});

interface Problem {
  t: number; h: number; e: number; i: number; k: number;
  x: Float32Array; w13: Float32Array; w2: Float32Array; b13: Float32Array | null; b2: Float32Array | null;
  ids: Int32Array; weights: Float32Array;
}

type Choice = 'random' | 'one expert for all' | 'even experts only';

function chooseIds(t: number, e: number, k: number, choice: Choice, seed: number): Int32Array {
  const r = rng(seed);
  const ids = new Int32Array(t * k);
  for (let row = 0; row < t; row++) {
    const chosen = new Set<number>(choice === 'one expert for all' ? [3 % e] : []);
    while (chosen.size < k) {
      const id = Math.floor(r() * e);
      chosen.add(choice === 'even experts only' ? id - (id % 2) : id);
    }
    ids.set([...chosen], row * k);
  }
  return ids;
}

/** Values rounded to the dtype where the GPU holds them in it; scaled so that the outputs stay near 1. */
function problem(dtype: HalfDType, t: number, e: number, k: number, h: number, i: number, biases: boolean,
  choice: Choice, seed: number): Problem {
  return {
    t, h, e, i, k,
    x: roundHalf(dtype, randomF32(t * h, seed + 1, 2)),
    w13: roundHalf(dtype, randomF32(e * 2 * i * h, seed + 2, 2 / Math.sqrt(h))),
    w2: roundHalf(dtype, randomF32(e * h * i, seed + 3, 2 / Math.sqrt(i))),
    b13: biases ? randomF32(e * 2 * i, seed + 4, 0.5) : null,
    b2: biases ? randomF32(e * h, seed + 5, 0.5) : null,
    ids: chooseIds(t, e, k, choice, seed + 6),
    weights: randomF32(t * k, seed + 7, 1),
  };
}

/** The CPU fusedMoe on the same values (f32 activations, the weights in the GPU's dtype). */
function cpuFusedMoe(p: Problem, dtype: HalfDType, options: DeviceFusedMoeOptions, start?: Float32Array): Float32Array {
  const out = Tensor.f32([p.t, p.h], start);
  const { path: _, ...cpuOptions } = options;
  cpu.fusedMoe(Tensor.f32([p.t, p.h], p.x), Tensor.half(dtype, [p.e, 2 * p.i, p.h], toHalf(dtype, p.w13)),
    p.b13 ? Tensor.f32([p.e, 2 * p.i], p.b13) : null, Tensor.half(dtype, [p.e, p.h, p.i], toHalf(dtype, p.w2)),
    p.b2 ? Tensor.f32([p.e, p.h], p.b2) : null, Tensor.i32([p.t, p.k], p.ids), Tensor.f32([p.t, p.k], p.weights),
    cpuOptions, out);
  return out.data;
}

// act is rounded to the dtype between the GEMMs and out once: a few roundings of relative error in all.
const TOLERANCE: Record<HalfDType, number> = { bf16: 1.5e-2, f16: 2e-3 };

describe.skipIf(noGpu)('gpuFusedMoe', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  function gpuFusedMoe(p: Problem, dtype: HalfDType, options: DeviceFusedMoeOptions, start?: Float32Array) {
    const out = start ? pool.half(dtype, [p.t, p.h], start) : pool.poisoned(dtype, [p.t, p.h]);
    gpuAddon().ops.gpuFusedMoe(pool.half(dtype, [p.t, p.h], p.x), pool.half(dtype, [p.e, 2 * p.i, p.h], p.w13),
      p.b13 ? pool.f32([p.e, 2 * p.i], p.b13) : null, pool.half(dtype, [p.e, p.h, p.i], p.w2),
      p.b2 ? pool.f32([p.e, p.h], p.b2) : null, pool.i32([p.t, p.k], p.ids), pool.f32([p.t, p.k], p.weights),
      options, out);
    return out;
  }

  function expectMatch(p: Problem, dtype: HalfDType, options: DeviceFusedMoeOptions, start?: Float32Array) {
    const got = downloadHalf(dtype, gpuFusedMoe(p, dtype, options, start));
    const want = cpuFusedMoe(p, dtype, options, start);
    expect(relativeError(got, want)).toBeLessThan(TOLERANCE[dtype]);
  }

  // t, e, k, h, i: I = 40, 72, 136 are not multiples of the MMA tile; H = 200 leaves a K tail in the prefill path.
  const SHAPES = [
    [1, 8, 1, 64, 40],
    [2, 8, 2, 64, 32],
    [7, 64, 4, 128, 72],
    [16, 128, 8, 256, 128],
    [64, 64, 8, 256, 96],
    [300, 128, 8, 200, 136],
    [300, 8, 2, 128, 64],
  ] as const;
  for (const path of ['auto', 'decode', 'prefill'] as const)
    it.each(SHAPES)(`silu, ${path} path, bf16: T=%i E=%i k=%i H=%i I=%i`, (t, e, k, h, i) => {
      expectMatch(problem('bf16', t, e, k, h, i, false, 'random', t * 7 + e), 'bf16', { path });
    });

  for (const path of ['decode', 'prefill'] as const) {
    it(`f16 on the ${path} path`, () => {
      expectMatch(problem('f16', 5, 16, 4, 128, 64, false, 'random', 11), 'f16', { path });
      expectMatch(problem('f16', 70, 16, 4, 128, 64, false, 'random', 12), 'f16', { path });
    });

    it(`one expert that every token chose, ${path} path`, () => {
      expectMatch(problem('bf16', 16, 8, 1, 64, 32, false, 'one expert for all', 21), 'bf16', { path });
      expectMatch(problem('bf16', 100, 32, 4, 128, 64, false, 'one expert for all', 22), 'bf16', { path });
    });

    it(`experts nobody chose, ${path} path`, () => {
      expectMatch(problem('bf16', 9, 64, 2, 64, 48, false, 'even experts only', 31), 'bf16', { path });
    });

    it(`gpt-oss clamped swiglu with biases, ${path} path`, () => {
      const options = { activation: 'swiglu_oai', alpha: 1.702, limit: 1.5, path } as const;
      expectMatch(problem('bf16', 3, 32, 4, 64, 64, true, 'random', 41), 'bf16', options);
      expectMatch(problem('bf16', 40, 32, 4, 64, 64, true, 'random', 42), 'bf16', options);
    });

    it(`accumulates into out, ${path} path`, () => {
      const p = problem('bf16', 6, 16, 2, 64, 32, false, 'random', 51);
      expectMatch(p, 'bf16', { accumulate: true, path }, roundHalf('bf16', randomF32(p.t * p.h, 52, 3)));
    });

    it(`a token may name one expert twice; many pairs of one expert, ${path} path`, () => {
      const p = problem('bf16', 5, 8, 3, 64, 40, false, 'random', 55);
      p.ids.set([2, 2, 5], 0);
      p.ids.set([6, 1, 6], 9);
      expectMatch(p, 'bf16', { path });
      // 40 pairs of one expert: more than one 16-pair tile product (decode) or MMA tile (prefill).
      expectMatch(problem('bf16', 40, 4, 1, 64, 32, false, 'one expert for all', 56), 'bf16', { path });
    });

    it(`every expert id bad: out is zeros, or left as it was when accumulating, ${path} path`, () => {
      const { gpu, ops } = gpuAddon();
      const p = problem('bf16', 3, 8, 2, 64, 32, false, 'random', 57);
      const ids = pool.i32([p.t, p.k], new Int32Array(p.t * p.k).fill(9));
      const start = roundHalf('bf16', randomF32(p.t * p.h, 58, 3));
      for (const accumulate of [false, true]) {
        const out = pool.half('bf16', [p.t, p.h], start);
        expect(() => {
          ops.gpuFusedMoe(pool.half('bf16', [p.t, p.h], p.x), pool.half('bf16', [p.e, 2 * p.i, p.h], p.w13), null,
            pool.half('bf16', [p.e, p.h, p.i], p.w2), null, ids, pool.f32([p.t, p.k], p.weights), { path, accumulate }, out);
          gpu.synchronize(0);
        }).toThrow(expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
        expect([...downloadHalf('bf16', out)]).toEqual(accumulate ? [...start] : new Array(p.t * p.h).fill(0));
      }
    });

    it(`a bad expert id is a kernel fault and its pair adds nothing, ${path} path`, () => {
      const p = problem('bf16', 4, 8, 2, 64, 32, false, 'random', 61);
      p.ids[1] = 8;
      p.ids[6] = -1;
      const out = pool.poisoned('bf16', [p.t, p.h]);
      const { gpu, ops } = gpuAddon();
      expect(() => {
        ops.gpuFusedMoe(pool.half('bf16', [p.t, p.h], p.x), pool.half('bf16', [p.e, 2 * p.i, p.h], p.w13), null,
          pool.half('bf16', [p.e, p.h, p.i], p.w2), null, pool.i32([p.t, p.k], p.ids), pool.f32([p.t, p.k], p.weights),
          { path }, out);
        gpu.synchronize(0);
      }).toThrow(expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
      gpu.synchronize(0);  // the fault was reported once
      const valid = { ...p, ids: p.ids.map((id) => (id < 0 || id >= p.e ? 0 : id)), weights: p.weights.map((w, j) => (p.ids[j]! < 0 || p.ids[j]! >= p.e ? 0 : w)) };
      expect(relativeError(downloadHalf('bf16', out), cpuFusedMoe(valid, 'bf16', {}))).toBeLessThan(TOLERANCE.bf16);
    });
  }

  for (const path of ['decode', 'prefill'] as const)
    it(`routes and runs the experts from a captured graph, replayed on new logits, ${path} path`, () => {
      const { gpu, ops } = gpuAddon();
      const p = problem('bf16', 6, 16, 4, 64, 32, false, 'random', 71);
      const options = { router: 'softmax_topk', topK: p.k, renormalize: true } as const;
      const logits = pool.f32([p.t, p.e], randomF32(p.t * p.e, 72, 3));
      const ids = pool.i32([p.t, p.k], new Int32Array(p.t * p.k));
      const weights = pool.f32([p.t, p.k], new Float32Array(p.t * p.k));
      const x = pool.half('bf16', [p.t, p.h], p.x), out = pool.poisoned('bf16', [p.t, p.h]);
      const w13 = pool.half('bf16', [p.e, 2 * p.i, p.h], p.w13), w2 = pool.half('bf16', [p.e, p.h, p.i], p.w2);
      const step = () => {
        ops.gpuMoeRoute(logits, null, options, ids, weights);
        ops.gpuFusedMoe(x, w13, null, w2, null, ids, weights, { path }, out);
      };
      step(); // as a model runner warms up before capturing
      gpu.synchronize(0);
      const g = gpu.captureGraph(0, step);
      try {
        for (const seed of [73, 74]) {
          const l = randomF32(p.t * p.e, seed, 3);
          logits.data.upload(l);
          out.data.fill(0xff);
          g.replay();
          const wantIds = Tensor.i32([p.t, p.k]), wantWeights = Tensor.f32([p.t, p.k]);
          cpu.moeRoute(Tensor.f32([p.t, p.e], l), null, options, wantIds, wantWeights);
          expect([...ids.download(new Int32Array(p.t * p.k))]).toEqual([...wantIds.data]);
          const want = cpuFusedMoe({ ...p, ids: wantIds.data, weights: wantWeights.data }, 'bf16', {});
          expect(relativeError(downloadHalf('bf16', out), want)).toBeLessThan(TOLERANCE.bf16);
        }
      } finally {
        g.dispose();
      }
    });

  it('rejects mismatched dtypes and shapes, sizes not a multiple of 8, and overlapping out', () => {
    const { ops } = gpuAddon();
    const code = (c: string) => expect.objectContaining({ code: c });
    const x = pool.half('bf16', [2, 64], new Float32Array(128));
    const w13 = pool.half('bf16', [4, 64, 64], new Float32Array(4 * 64 * 64));
    const w2 = pool.half('bf16', [4, 64, 32], new Float32Array(4 * 64 * 32));
    const ids = pool.i32([2, 2], [0, 1, 2, 3]);
    const weights = pool.f32([2, 2], [1, 1, 1, 1]);
    const out = pool.poisoned('bf16', [2, 64]);
    expect(() => ops.gpuFusedMoe(x, w13, null, pool.half('f16', [4, 64, 32], new Float32Array(4 * 64 * 32)), null, ids,
      weights, {}, out)).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => ops.gpuFusedMoe(x, w13, null, pool.half('bf16', [4, 64, 16], new Float32Array(4 * 64 * 16)), null, ids,
      weights, {}, out)).toThrow(code('HS_SHAPE_MISMATCH'));
    expect(() => ops.gpuFusedMoe(x, w13, null, w2, null, ids, weights, { path: 'sideways' as 'auto' }, out))
      .toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => ops.gpuFusedMoe(x, w13, null, w2, null, ids, weights, {}, x)).toThrow(code('HS_INVALID_ARGUMENT'));
    const x12 = pool.half('bf16', [2, 12], new Float32Array(24));
    expect(() => ops.gpuFusedMoe(x12, pool.half('bf16', [4, 64, 12], new Float32Array(4 * 64 * 12)), null,
      pool.half('bf16', [4, 12, 32], new Float32Array(4 * 12 * 32)), null, ids, weights, {}, pool.poisoned('bf16', [2, 12])))
      .toThrow(code('HS_UNSUPPORTED'));
  });
});
