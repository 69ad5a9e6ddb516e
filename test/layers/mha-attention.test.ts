import { describe, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { attentionMetadata } from '../../src/layers/attention/attention-metadata.js';
import { MhaAttention } from '../../src/layers/attention/mha-attention.js';
import { PagedKvCache } from '../../src/layers/attention/paged-kv-cache.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';
import { PagedSequences } from '../models/paged-sequences.js';
import { attentionRef } from './plain-reference.js';

const { ops } = loadAddon();
const [HQ, HK, D, BLOCK] = [4, 2, 8, 4];

describe('MhaAttention over the paged KV cache', () => {
  for (const slidingWindow of [0, 5]) {
    it(`matches plain causal GQA across steps mixing prefill chunks and decodes (window ${slidingWindow})`, () => {
      const attn = new MhaAttention(ops, { numHeads: HQ, numKvHeads: HK, headDim: D, slidingWindow });
      const cache = new PagedKvCache(16, BLOCK, HK, D);
      const seqs = new PagedSequences(16, BLOCK, 8);
      seqs.add(0, new Array(6).fill(0));
      seqs.add(1, new Array(10).fill(0));
      const history: { k: number[]; v: number[] }[] = [{ k: [], v: [] }, { k: [], v: [] }];
      const steps = [[{ id: 0, count: 5 }, { id: 1, count: 3 }], [{ id: 1, count: 6 }, { id: 0, count: 1 }],
        [{ id: 1, count: 1 }]];
      steps.forEach((chunks, s) => {
        const batch = seqs.step(chunks);
        const t = batch.numTokens;
        const q = randomF32(t * HQ * D, 10 * s + 1);
        const k = randomF32(t * HK * D, 10 * s + 2);
        const v = randomF32(t * HK * D, 10 * s + 3);
        const out = new Float32Array(t * HQ * D);
        const heads = (data: Float32Array, n: number) => ({ data, dtype: 'f32', shape: [t, n, D] }) as const;
        attn.forward(heads(q, HQ), heads(k, HK), heads(v, HK), cache, attentionMetadata(batch), heads(out, HQ));

        let row = 0;
        for (const { id, count } of chunks) {
          history[id]!.k.push(...k.subarray(row * HK * D, (row + count) * HK * D));
          history[id]!.v.push(...v.subarray(row * HK * D, (row + count) * HK * D));
          row += count;
        }
        const expected = attentionRef(q, chunks.map(({ id }) => Float32Array.from(history[id]!.k)),
          chunks.map(({ id }) => Float32Array.from(history[id]!.v)), chunks.map((c) => c.count), HQ, HK, D,
          1 / Math.sqrt(D), slidingWindow);
        expectClose(out, expected, 1e-5, 1e-4);
      });
    });
  }
});
