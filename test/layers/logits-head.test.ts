import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { LogitsHead } from '../../src/layers/logits-head.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';
import { MemoryWeights } from './memory-weights.js';
import { matmulRef } from './plain-reference.js';

const { ops } = loadAddon();
const [V, H] = [30, 8];
const NAMES = { embeddingName: 'embed.weight', lmHeadName: 'lm_head.weight', vocabSize: V, hiddenSize: H };

describe('LogitsHead', () => {
  const weights = new MemoryWeights()
    .add('embed.weight', [V, H], randomF32(V * H, 1), 'bf16')
    .add('lm_head.weight', [V, H], randomF32(V * H, 2), 'f16');
  const hidden = randomF32(5 * H, 3);
  const rows = Int32Array.from([4, 1]);
  const picked = Float32Array.from([...hidden.subarray(4 * H, 5 * H), ...hidden.subarray(H, 2 * H)]);

  for (const [tied, name] of [[false, 'lm_head.weight'], [true, 'embed.weight']] as const) {
    it(`projects only the requested rows with ${name} (tied: ${tied})`, () => {
      const head = LogitsHead.load(ops, weights, { ...NAMES, tied });
      const logits = head.forward(hidden, 5, rows);
      expect(logits.length).toBe(2 * V);
      expectClose(logits, matmulRef(picked, weights.valuesOf(name), null, 2, H, V), 1e-4);
    });
  }

  it('uses the embedding when the checkpoint has no lm_head', () => {
    const embedOnly = new MemoryWeights().add('embed.weight', [V, H], weights.valuesOf('embed.weight'));
    const logits = LogitsHead.load(ops, embedOnly, { ...NAMES, tied: false }).forward(hidden, 5, rows);
    expectClose(logits, matmulRef(picked, weights.valuesOf('embed.weight'), null, 2, H, V), 1e-4);
  });

  it('a tied head shares the embedding table it is given instead of getting it from the checkpoint again', () => {
    const table = { data: weights.get('embed.weight').data, dtype: 'bf16', shape: [V, H] } as const;
    const head = LogitsHead.load(ops, new MemoryWeights(), { ...NAMES, tied: true, embeddingTable: table });
    const logits = head.forward(hidden, 5, rows);
    expectClose(logits, matmulRef(picked, weights.valuesOf('embed.weight'), null, 2, H, V), 1e-4);
  });

  it('refuses a row outside the step', () => {
    const head = LogitsHead.load(ops, weights, { ...NAMES, tied: true });
    expect(() => head.forward(hidden, 5, Int32Array.from([5]))).toThrow(expect.objectContaining({ code: 'engine_error' }));
  });
});
