import { describe, expect, it } from 'vitest';

import type { DType } from '../../bindings/dtype.js';
import { toBf16Array } from '../../bindings/half.js';
import { loadExpertStack } from '../../src/layers/fused-moe-weights.js';
import type { WeightSource, WeightTensor } from '../../src/loader/weights.js';
import { randomF32 } from '../helpers/random.js';

const E = 3, H = 5, I = 4;
const P = 'model.layers.0.mlp.experts';

function source(tensors: WeightTensor[]): WeightSource {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  return {
    path: 'memory',
    names: () => [...byName.keys()],
    has: (name) => byName.has(name),
    get: (name) => {
      const t = byName.get(name);
      if (!t) throw new Error(`no ${name}`);
      return t;
    },
  };
}

const tensor = (name: string, shape: number[], values: Float32Array, dtype: DType = 'f32'): WeightTensor => {
  const data = dtype === 'bf16' ? toBf16Array(values) : values;
  return { name, dtype, shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
};

/** Per expert, nn.Linear layout: gate [I, H], up [I, H], down [H, I]; and the biases gpt-oss has. */
const gate = Array.from({ length: E }, (_, e) => randomF32(I * H, 10 + e));
const up = Array.from({ length: E }, (_, e) => randomF32(I * H, 20 + e));
const down = Array.from({ length: E }, (_, e) => randomF32(H * I, 30 + e));
const gateBias = randomF32(E * I, 40);
const upBias = randomF32(E * I, 41);
const downBias = randomF32(E * H, 42);

// What fusedMoe expects, written out directly: w13[e] = [gate; up], w2[e] = down.
const expectedW13 = Float32Array.from({ length: E * 2 * I * H }, (_, n) => {
  const e = Math.floor(n / (2 * I * H));
  const r = n % (2 * I * H);
  return r < I * H ? gate[e]![r]! : up[e]![r - I * H]!;
});
const expectedW2 = Float32Array.from({ length: E * H * I }, (_, n) => down[Math.floor(n / (H * I))]![n % (H * I)]!);

const bytesOf = (data: unknown): Uint8Array => {
  const v = data as ArrayBufferView;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
};
const asBytes = (a: Float32Array | Uint16Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function gptOssTensors(dtype: DType): WeightTensor[] {
  // x·W layout, gate and up interleaved along the last dim.
  const gateUp = new Float32Array(E * H * 2 * I);
  const downT = new Float32Array(E * I * H);
  const bias13 = new Float32Array(E * 2 * I);
  for (let e = 0; e < E; e++) {
    for (let h = 0; h < H; h++) {
      for (let n = 0; n < I; n++) {
        gateUp[(e * H + h) * 2 * I + 2 * n] = gate[e]![n * H + h]!;
        gateUp[(e * H + h) * 2 * I + 2 * n + 1] = up[e]![n * H + h]!;
        downT[(e * I + n) * H + h] = down[e]![h * I + n]!;
      }
    }
    for (let n = 0; n < I; n++) {
      bias13[e * 2 * I + 2 * n] = gateBias[e * I + n]!;
      bias13[e * 2 * I + 2 * n + 1] = upBias[e * I + n]!;
    }
  }
  return [tensor(`${P}.gate_up_proj`, [E, H, 2 * I], gateUp, dtype), tensor(`${P}.down_proj`, [E, I, H], downT, dtype),
    tensor(`${P}.gate_up_proj_bias`, [E, 2 * I], bias13), tensor(`${P}.down_proj_bias`, [E, H], downBias)];
}

const dims = { numExperts: E, hiddenSize: H, intermediateSize: I };
const perExpert = { kind: 'perExpert', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' } as const;

describe('expert weights stack into fusedMoe layout', () => {
  it('from per-expert nn.Linear weights', () => {
    const tensors = Array.from({ length: E }, (_, e) => [
      tensor(`${P}.${e}.gate_proj.weight`, [I, H], gate[e]!), tensor(`${P}.${e}.up_proj.weight`, [I, H], up[e]!),
      tensor(`${P}.${e}.down_proj.weight`, [H, I], down[e]!)]).flat();
    const stack = loadExpertStack(source(tensors), P, dims, perExpert);
    expect(stack.w13.shape).toEqual([E, 2 * I, H]);
    expect(stack.w2.shape).toEqual([E, H, I]);
    expect(bytesOf(stack.w13.data)).toEqual(asBytes(expectedW13));
    expect(bytesOf(stack.w2.data)).toEqual(asBytes(expectedW2));
    expect(stack.b13).toBeNull();
  });

  it('from transformers 5 fused gate_up_proj [E, 2I, H] and down_proj [E, H, I]', () => {
    const tensors = [tensor(`${P}.gate_up_proj`, [E, 2 * I, H], expectedW13), tensor(`${P}.down_proj`, [E, H, I], expectedW2)];
    const stack = loadExpertStack(source(tensors), P, dims, perExpert);
    expect(bytesOf(stack.w13.data)).toEqual(asBytes(expectedW13));
    expect(bytesOf(stack.w2.data)).toEqual(asBytes(expectedW2));
  });

  it.each(['f32', 'bf16'] as const)('from gpt-oss interleaved x·W experts with biases (%s)', (dtype) => {
    const stack = loadExpertStack(source(gptOssTensors(dtype)), P, dims, { kind: 'gptOss' });
    expect(stack.w13.dtype).toBe(dtype);
    const expected = (a: Float32Array): Uint8Array => asBytes(dtype === 'bf16' ? toBf16Array(a) : a);
    expect(bytesOf(stack.w13.data)).toEqual(expected(expectedW13));
    expect(bytesOf(stack.w2.data)).toEqual(expected(expectedW2));
    const b13 = Float32Array.from({ length: E * 2 * I }, (_, n) => {
      const e = Math.floor(n / (2 * I));
      const r = n % (2 * I);
      return r < I ? gateBias[e * I + r]! : upBias[e * I + r - I]!;
    });
    expect(stack.b13?.data).toEqual(b13);
    expect(stack.b2?.data).toEqual(downBias);
  });

  it('names the tensor when an expert is missing or misshapen', () => {
    const tensors = [tensor(`${P}.0.gate_proj.weight`, [I, H + 1], randomF32(I * (H + 1), 1))];
    expect(() => loadExpertStack(source(tensors), P, dims, perExpert)).toThrow(/gate_proj/);
  });

  it('names the tensor when MXFP4 gpt-oss experts are malformed (f32 where u8 blocks belong)', () => {
    const tensors = [
      tensor(`${P}.gate_up_proj_blocks`, [E, 2 * I, 1], randomF32(E * 2 * I, 3)),
      tensor(`${P}.gate_up_proj_bias`, [E, 2 * I], randomF32(E * 2 * I, 4)),
      tensor(`${P}.down_proj_bias`, [E, H], randomF32(E * H, 5)),
    ];
    expect(() => loadExpertStack(source(tensors), P, dims, { kind: 'gptOss' })).toThrow(/gate_up_proj_blocks|multiple of 32/);
  });
});
