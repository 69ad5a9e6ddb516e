import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Embedding } from '../../src/layers/embedding.js';
import { Linear } from '../../src/layers/linear.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';
import { MemoryWeights } from './memory-weights.js';
import { matmulRef } from './plain-reference.js';

const { ops } = loadAddon();

describe('Linear', () => {
  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    it(`multiplies by ${dtype} weights as stored, adding the bias`, () => {
      const [m, k, n] = [3, 40, 24];
      const weights = new MemoryWeights()
        .add('proj.weight', [n, k], randomF32(n * k, 1), dtype)
        .add('proj.bias', [n], randomF32(n, 2), dtype);
      const linear = Linear.load(ops, weights, 'proj', k, n, true);
      const x = randomF32(m * k, 3);
      const out = new Float32Array(m * n);
      linear.forward({ data: x, dtype: 'f32', shape: [m, k] }, { data: out, dtype: 'f32', shape: [m, n] });
      expectClose(out, matmulRef(x, weights.valuesOf('proj.weight'), weights.valuesOf('proj.bias'), m, k, n), 1e-4);
    });
  }

  it('names the tensor and checkpoint when a weight has the wrong shape', () => {
    const weights = new MemoryWeights().add('proj.weight', [8, 4], randomF32(32, 1));
    expect(() => Linear.load(ops, weights, 'proj', 8, 4)).toThrow(
      expect.objectContaining({ code: 'model_file_error', message: expect.stringContaining('proj.weight') }));
  });

  it('refuses weight dtypes the kernels cannot take', () => {
    const weights = new MemoryWeights().add('proj.weight', [4, 4], randomF32(16, 1));
    const w = weights.get('proj.weight');
    const int8 = { get: () => ({ ...w, dtype: 'i8' as const, data: new Uint8Array(16) }), has: () => true,
      names: () => ['proj.weight'], path: 'memory' };
    expect(() => Linear.load(ops, int8, 'proj', 4, 4)).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });
});

describe('Embedding', () => {
  it('looks rows up in a bf16 table as stored', () => {
    const [vocab, hidden] = [50, 12];
    const weights = new MemoryWeights().add('embed.weight', [vocab, hidden], randomF32(vocab * hidden, 4), 'bf16');
    const table = weights.valuesOf('embed.weight');
    const ids = Int32Array.from([7, 0, 49, 7]);
    const out = new Float32Array(ids.length * hidden);
    Embedding.load(ops, weights, 'embed.weight', vocab, hidden)
      .forward({ data: ids, dtype: 'i32', shape: [ids.length] }, { data: out, dtype: 'f32', shape: [ids.length, hidden] });
    const expected = new Float32Array(ids.length * hidden);
    ids.forEach((id, r) => expected.set(table.subarray(id * hidden, (id + 1) * hidden), r * hidden));
    expect(out).toEqual(expected);
  });
});
