import { describe, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { GatedMlp } from '../../src/layers/gated-mlp.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';
import { MemoryWeights } from './memory-weights.js';
import { geluTanh, matmulRef, silu } from './plain-reference.js';

const { ops } = loadAddon();

describe('GatedMlp', () => {
  for (const [act, fn] of [['silu', silu], ['gelu_pytorch_tanh', geluTanh]] as const) {
    it(`computes down(${act}(gate(x)) * up(x))`, () => {
      const [t, h, i] = [5, 16, 36];
      const weights = new MemoryWeights()
        .add('mlp.gate_proj.weight', [i, h], randomF32(i * h, 1))
        .add('mlp.up_proj.weight', [i, h], randomF32(i * h, 2), 'bf16')
        .add('mlp.down_proj.weight', [h, i], randomF32(h * i, 3), 'f16');
      const mlp = GatedMlp.load(ops, weights, 'mlp', h, i, act);
      const x = randomF32(t * h, 4);
      const out = new Float32Array(t * h);
      const gateUp = new Float32Array(t * 2 * i);
      const scratch = {
        gate: { data: gateUp, dtype: 'f32', shape: [t, i], strides: [2 * i, 1] },
        up: { data: gateUp.subarray(i), dtype: 'f32', shape: [t, i], strides: [2 * i, 1] },
        gateUp: { data: gateUp, dtype: 'f32', shape: [t, 2 * i] },
        act: { data: new Float32Array(t * i), dtype: 'f32', shape: [t, i] },
      } as const;
      mlp.forward({ data: x, dtype: 'f32', shape: [t, h] }, { data: out, dtype: 'f32', shape: [t, h] }, scratch);

      const gate = matmulRef(x, weights.valuesOf('mlp.gate_proj.weight'), null, t, h, i);
      const up = matmulRef(x, weights.valuesOf('mlp.up_proj.weight'), null, t, h, i);
      const mid = gate.map((g, j) => fn(g) * up[j]!);
      expectClose(out, matmulRef(mid, weights.valuesOf('mlp.down_proj.weight'), null, t, i, h), 1e-4);
    });
  }
});
