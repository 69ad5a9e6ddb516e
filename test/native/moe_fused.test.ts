import { describe, expect, it } from 'vitest';

import { type FusedMoeOptions, loadAddon } from '../../bindings/addon.js';
import { bf16ToF32, f16ToF32, toBf16Array, toF16Array } from '../../bindings/half.js';
import { Tensor, type TensorArg } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32, rng } from '../helpers/random.js';

const addon = loadAddon();
const { ops, opsAsync } = addon;

interface Problem {
  t: number; h: number; e: number; i: number; k: number;
  x: Float32Array; w13: Float32Array; w2: Float32Array; b13: Float32Array | null; b2: Float32Array | null;
  ids: Int32Array; weights: Float32Array;
}

function problem(t: number, h: number, e: number, i: number, k: number, biases: boolean, seed: number): Problem {
  const r = rng(seed);
  const ids = new Int32Array(t * k);
  for (let row = 0; row < t; row++) {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(r() * e));
    ids.set([...chosen], row * k);
  }
  return {
    t, h, e, i, k, ids,
    x: randomF32(t * h, seed + 1, 2),
    w13: randomF32(e * 2 * i * h, seed + 2, 0.5),
    w2: randomF32(e * h * i, seed + 3, 0.5),
    b13: biases ? randomF32(e * 2 * i, seed + 4, 0.5) : null,
    b2: biases ? randomF32(e * h, seed + 5, 0.5) : null,
    weights: randomF32(t * k, seed + 6, 1),
  };
}

const silu = (g: number, u: number): number => (g / (1 + Math.exp(-g))) * u;
function swigluOai(alpha: number, limit: number) {
  return (gate: number, up: number): number => {
    const g = Math.min(gate, limit);
    const u = Math.min(Math.max(up, -limit), limit);
    return (u + 1) * g / (1 + Math.exp(-alpha * g));
  };
}

/** Token by token, expert by expert, in f64. */
function refFusedMoe(p: Problem, act: (g: number, u: number) => number): Float32Array {
  const out = new Float32Array(p.t * p.h);
  for (let t = 0; t < p.t; t++) {
    for (let j = 0; j < p.k; j++) {
      const e = p.ids[t * p.k + j]!;
      const a = new Float64Array(p.i);
      for (let n = 0; n < p.i; n++) {
        let g = p.b13?.[e * 2 * p.i + n] ?? 0;
        let u = p.b13?.[e * 2 * p.i + p.i + n] ?? 0;
        for (let c = 0; c < p.h; c++) {
          g += p.w13[(e * 2 * p.i + n) * p.h + c]! * p.x[t * p.h + c]!;
          u += p.w13[(e * 2 * p.i + p.i + n) * p.h + c]! * p.x[t * p.h + c]!;
        }
        a[n] = act(g, u);
      }
      for (let c = 0; c < p.h; c++) {
        let y = p.b2?.[e * p.h + c] ?? 0;
        for (let n = 0; n < p.i; n++) y += p.w2[(e * p.h + c) * p.i + n]! * a[n]!;
        out[t * p.h + c] = out[t * p.h + c]! + p.weights[t * p.k + j]! * y;
      }
    }
  }
  return out;
}

type WeightDType = 'f32' | 'f16' | 'bf16';

/** The weights as the kernel gets them, and the values it should see (rounded for 16-bit dtypes). */
function weightArg(values: Float32Array, dtype: WeightDType, shape: number[]): { arg: TensorArg; seen: Float32Array } {
  if (dtype === 'f32') return { arg: Tensor.f32(shape, values), seen: values };
  const bits = dtype === 'f16' ? toF16Array(values) : toBf16Array(values);
  const decode = dtype === 'f16' ? f16ToF32 : bf16ToF32;
  return { arg: Tensor.half(dtype, shape, bits), seen: Float32Array.from(bits, decode) };
}

function run(p: Problem, dtype: WeightDType, options: FusedMoeOptions) {
  const w13 = weightArg(p.w13, dtype, [p.e, 2 * p.i, p.h]);
  const w2 = weightArg(p.w2, dtype, [p.e, p.h, p.i]);
  const args = [Tensor.f32([p.t, p.h], p.x), w13.arg, p.b13 ? Tensor.f32([p.e, 2 * p.i], p.b13) : null, w2.arg,
    p.b2 ? Tensor.f32([p.e, p.h], p.b2) : null, Tensor.i32([p.t, p.k], p.ids), Tensor.f32([p.t, p.k], p.weights),
    options] as const;
  return { args, seen: { ...p, w13: w13.seen, w2: w2.seen } };
}

describe('fusedMoe', () => {
  const shapes = [
    // t, h, e, i, k
    [1, 64, 8, 32, 2],
    [3, 48, 4, 24, 4],
    [17, 64, 16, 40, 3],
    [70, 96, 8, 64, 2],
  ] as const;

  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    it.each(shapes)(`silu experts in ${dtype}: T=%i H=%i E=%i I=%i k=%i`, (t, h, e, i, k) => {
      const { args, seen } = run(problem(t, h, e, i, k, false, t * 31 + e), dtype, { activation: 'silu' });
      const out = Tensor.f32([t, h]);
      ops.fusedMoe(...args, out);
      expectClose(out.data, refFusedMoe(seen, silu), 1e-4, 1e-3);
    });
  }

  it.each(shapes)('gpt-oss clamped swiglu with biases: T=%i H=%i E=%i I=%i k=%i', (t, h, e, i, k) => {
    const options = { activation: 'swiglu_oai', alpha: 1.702, limit: 1.5 } as const;
    const { args, seen } = run(problem(t, h, e, i, k, true, t + 7), 'f32', options);
    const out = Tensor.f32([t, h]);
    ops.fusedMoe(...args, out);
    expectClose(out.data, refFusedMoe(seen, swigluOai(1.702, 1.5)), 1e-4, 1e-3);
  });

  it('accumulates into out when asked (shared experts)', () => {
    const { args, seen } = run(problem(5, 32, 4, 16, 2, false, 3), 'f32', { accumulate: true });
    const start = randomF32(5 * 32, 99);
    const out = Tensor.f32([5, 32], start);
    ops.fusedMoe(...args, out);
    const ref = refFusedMoe(seen, silu).map((v, n) => v + start[n]!);
    expectClose(out.data, ref, 1e-4, 1e-3);
  });

  it.each(['f32', 'bf16'] as const)('experts with many rows next to experts with few, on 1 to 8 threads (%s)', (dtype) => {
    // Experts 0 and 1 take every token; the rest share the second half of the slots.
    const p = problem(48, 64, 8, 32, 3, true, 21);
    for (let t = 0; t < 48; t++) p.ids.set([0, 1, 2 + (t % 6)], t * 3);
    const { args, seen } = run(p, dtype, {});
    const expected = refFusedMoe(seen, silu);
    const threads = addon.numThreads();
    try {
      for (const n of [1, 2, 8]) {
        addon.setNumThreads(n);
        const out = Tensor.f32([48, 64]);
        ops.fusedMoe(...args, out);
        expectClose(out.data, expected, 1e-4, 1e-3);
      }
    } finally {
      addon.setNumThreads(threads);
    }
  });

  it('a token routed twice to one expert counts both weights', () => {
    const p = problem(2, 16, 4, 8, 2, false, 5);
    p.ids.set([1, 1, 3, 3]);
    const { args, seen } = run(p, 'f32', {});
    const out = Tensor.f32([2, 16]);
    ops.fusedMoe(...args, out);
    expectClose(out.data, refFusedMoe(seen, silu), 1e-4, 1e-3);
  });

  it('runs asynchronously with the same result', async () => {
    const { args } = run(problem(9, 32, 8, 16, 2, true, 11), 'bf16', { activation: 'swiglu_oai' });
    const a = Tensor.f32([9, 32]);
    const b = Tensor.f32([9, 32]);
    ops.fusedMoe(...args, a);
    await opsAsync.fusedMoe(...args, b);
    expect(b.data).toEqual(a.data);
  });

  it('rejects expert ids outside [0, E) and bad options with coded errors', () => {
    for (const bad of [-1, 4, 2 ** 31 - 1]) {
      const p = problem(2, 16, 4, 8, 2, false, 5);
      p.ids[3] = bad;
      const { args } = run(p, 'f32', {});
      expect(() => ops.fusedMoe(...args, Tensor.f32([2, 16]))).toThrow(expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
    }
    const { args } = run(problem(2, 16, 4, 8, 2, false, 5), 'f32', {});
    for (const options of [{ activation: 'gelu' }, { limit: NaN }, { alpha: Infinity }, { accumulate: 1 }]) {
      const withOptions = [...args.slice(0, 7), options, Tensor.f32([2, 16])] as unknown as Parameters<typeof ops.fusedMoe>;
      expect(() => ops.fusedMoe(...withOptions)).toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
    }
    const x = args[0];
    expect(() => ops.fusedMoe(x, args[1], null, args[3], null, args[5], args[6], {}, x))
      .toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
  });
});
