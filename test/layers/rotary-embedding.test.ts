import { describe, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import type { ModelConfig } from '../../src/loader/model-config.js';
import { RotaryEmbedding } from '../../src/layers/rotary/rotary-embedding.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';

const { ops } = loadAddon();

/** transformers' apply_rotary_pos_emb on the first `rot` dims of each head: x*cos + rotate_half(x)*sin. */
function rotateRef(x: Float32Array, positions: Int32Array, heads: number, headDim: number, rot: number,
  freq: (i: number) => number, scale: number): Float32Array {
  const out = x.slice();
  const half = rot / 2;
  positions.forEach((p, t) => {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const [a, b] = [x[base + i]!, x[base + half + i]!];
        const [c, s] = [Math.cos(p * freq(i)) * scale, Math.sin(p * freq(i)) * scale];
        out[base + i] = a * c - b * s;
        out[base + half + i] = b * c + a * s;
      }
    }
  });
  return out;
}

describe('RotaryEmbedding', () => {
  it('rotates the first half of each head of q and k (partial rotary, neox layout)', () => {
    const [hq, hk, d] = [4, 2, 16];
    const config = { headDim: d, partialRotaryFactor: 0.5, ropeTheta: 500, rope: { type: 'default', factor: 1 },
      maxPositionEmbeddings: 64, ropeIsNeox: true } as unknown as ModelConfig;
    const rotary = new RotaryEmbedding(ops, config, 64);
    const positions = Int32Array.from([0, 3, 63, 17, 5]);
    const t = positions.length;
    const q = randomF32(t * hq * d, 1);
    const k = randomF32(t * hk * d, 2);
    const [q0, k0] = [q.slice(), k.slice()];
    rotary.forward({ data: positions, dtype: 'i32', shape: [t] }, { data: q, dtype: 'f32', shape: [t, hq * d] },
      { data: k, dtype: 'f32', shape: [t, hk * d] });
    const freq = (i: number): number => Math.pow(500, -(2 * i) / 8);
    expectClose(q, rotateRef(q0, positions, hq, d, 8, freq, 1), 1e-5);
    expectClose(k, rotateRef(k0, positions, hk, d, 8, freq, 1), 1e-5);
  });
});
