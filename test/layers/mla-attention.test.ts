import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { attentionMetadata } from '../../src/layers/attention/attention-metadata.js';
import { MlaAttention } from '../../src/layers/attention/mla-attention.js';
import { latentDim, mlaDims } from '../../src/layers/attention/mla-dims.js';
import { MlaLatentCache } from '../../src/layers/attention/mla-latent-cache.js';
import { MlaRotary } from '../../src/layers/attention/mla-rotary.js';
import { MlaScratch } from '../../src/layers/attention/mla-scratch.js';
import { ropeFrequencies } from '../../src/layers/rotary/rope-frequencies.js';
import { hfToModelConfig } from '../../src/loader/hf-config.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';
import { PagedSequences } from '../models/paged-sequences.js';
import { MemoryWeights } from './memory-weights.js';
import { mlaReference, type MlaRefWeights } from './mla-reference.js';

const { ops } = loadAddon();
const [HIDDEN, HEADS, Q_LORA, KV_LORA, NOPE, ROPE, V, BLOCK] = [32, 4, 24, 16, 8, 6, 12, 4];
const YARN = { rope_type: 'yarn', factor: 4, mscale: 1, mscale_all_dim: 1, original_max_position_embeddings: 16,
  beta_fast: 32, beta_slow: 1, rope_theta: 10000 };

const VARIANTS = [
  { name: 'q LoRA, yarn (mscale² in the scale), interleaved RoPE', qLora: Q_LORA, rope: YARN, interleave: true,
    dtype: 'f32' },
  { name: 'q_proj, default RoPE, rotate-half', qLora: null, rope: { rope_type: 'default', rope_theta: 10000 },
    interleave: false, dtype: 'f32' },
  { name: 'q LoRA, bf16 weights', qLora: Q_LORA, rope: YARN, interleave: true, dtype: 'bf16' },
] as const;

describe.each(VARIANTS)('MlaAttention ($name)', ({ qLora, rope, interleave, dtype }) => {
  const config = hfToModelConfig({ architectures: ['DeepseekV3ForCausalLM'], model_type: 'deepseek_v3',
    vocab_size: 16, hidden_size: HIDDEN, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: HEADS,
    head_dim: ROPE, rms_norm_eps: 1e-5, max_position_embeddings: 64, q_lora_rank: qLora, kv_lora_rank: KV_LORA,
    qk_nope_head_dim: NOPE, qk_rope_head_dim: ROPE, v_head_dim: V, rope_parameters: rope, rope_interleave: interleave },
  'config.json');
  const dims = mlaDims(config);
  const weights = new MemoryWeights();
  const add = (name: string, shape: number[], seed: number, scale = 0.3, offset = 0) => {
    const values = randomF32(shape.reduce((a, b) => a * b, 1), seed, scale).map((x) => x + offset);
    // Projections in the variant's dtype (the reference reads them back rounded); norm weights in f32.
    weights.add(`attn.${name}`, shape, values, shape.length === 2 ? dtype : 'f32');
    return weights.valuesOf(`attn.${name}`);
  };
  const w: MlaRefWeights = {
    kvAProj: add('kv_a_proj_with_mqa.weight', [KV_LORA + ROPE, HIDDEN], 3),
    kvANorm: add('kv_a_layernorm.weight', [KV_LORA], 4, 0.2, 1),
    kvBProj: add('kv_b_proj.weight', [HEADS * (NOPE + V), KV_LORA], 5),
    oProj: add('o_proj.weight', [HIDDEN, HEADS * V], 6),
  };
  if (qLora === null) {
    w.qProj = add('q_proj.weight', [HEADS * (NOPE + ROPE), HIDDEN], 7);
  } else {
    w.qAProj = add('q_a_proj.weight', [qLora, HIDDEN], 8);
    w.qANorm = add('q_a_layernorm.weight', [qLora], 9, 0.2, 1);
    w.qBProj = add('q_b_proj.weight', [HEADS * (NOPE + ROPE), qLora], 10);
  }
  const mscale = rope.rope_type === 'yarn' ? 0.1 * Math.log(4) + 1 : 1;
  const { invFreq, attentionFactor } = ropeFrequencies({ ...config, headDim: ROPE, partialRotaryFactor: 1 });
  const shape = { hidden: HIDDEN, heads: HEADS, qLoraRank: qLora, kvLoraRank: KV_LORA, nope: NOPE, rope: ROPE, v: V,
    eps: 1e-5, scale: (NOPE + ROPE) ** -0.5 * mscale * mscale, invFreq, attentionFactor, interleave };

  it.each([true, false])('matches the decompressed (transformers) form over steps mixing prefill chunks and decodes (expandPrefill %s)', (expandPrefill) => {
    const attn = new MlaAttention(ops, weights, 'attn', config, dims, new MlaRotary(ops, config, ROPE, 64),
      { expandPrefill });
    attn.cache = new MlaLatentCache(16, BLOCK, latentDim(dims));
    const scratch = new MlaScratch(dims, 2);
    const seqs = new PagedSequences(16, BLOCK, 8);
    seqs.add(0, new Array(7).fill(0));
    seqs.add(1, new Array(11).fill(0));
    const history: Float32Array[][] = [[], []];
    const steps = [[{ id: 0, count: 5 }, { id: 1, count: 3 }], [{ id: 1, count: 6 }, { id: 0, count: 1 }],
      [{ id: 1, count: 1 }, { id: 0, count: 1 }], [{ id: 1, count: 1 }]];
    steps.forEach((chunks, step) => {
      const batch = seqs.step(chunks);
      const t = batch.numTokens;
      const x = randomF32(t * HIDDEN, 100 + step);
      const out = new Float32Array(t * HIDDEN);
      attn.forward({ data: x, dtype: 'f32', shape: [t, HIDDEN] }, { data: out, dtype: 'f32', shape: [t, HIDDEN] },
        { data: batch.positions, dtype: 'i32', shape: [t] }, attentionMetadata(batch), scratch.views(t));
      let row = 0;
      const expected: number[] = [];
      for (const { id, count } of chunks) {
        for (let i = 0; i < count; i++, row++) history[id]!.push(x.slice(row * HIDDEN, (row + 1) * HIDDEN));
        expected.push(...mlaReference(history[id]!, count, w, shape).flat());
      }
      expectClose(out, expected, 1e-5, 1e-4);
    });
  });

  it('writes out in place over x', () => {
    const attn = new MlaAttention(ops, weights, 'attn', config, dims, new MlaRotary(ops, config, ROPE, 64));
    attn.cache = new MlaLatentCache(4, BLOCK, latentDim(dims));
    const seqs = new PagedSequences(4, BLOCK, 4);
    seqs.add(0, new Array(5).fill(0));
    const batch = seqs.step([{ id: 0, count: 5 }]);
    const x = randomF32(5 * HIDDEN, 7);
    const expected = mlaReference(Array.from({ length: 5 }, (_, i) => x.slice(i * HIDDEN, (i + 1) * HIDDEN)), 5, w,
      shape).flat();
    const arg = { data: x, dtype: 'f32', shape: [5, HIDDEN] } as const;
    attn.forward(arg, arg, { data: batch.positions, dtype: 'i32', shape: [5] }, attentionMetadata(batch),
      new MlaScratch(dims, 1).views(5));
    expectClose(x, expected, 1e-5, 1e-4);
  });
});

describe('mlaDims', () => {
  it('names the missing MLA field', () => {
    const config = hfToModelConfig({ architectures: ['DeepseekV3ForCausalLM'], vocab_size: 4, hidden_size: 8,
      intermediate_size: 8, num_hidden_layers: 1, num_attention_heads: 2, kv_lora_rank: 4, qk_nope_head_dim: 2,
      v_head_dim: 2 }, 'config.json');
    expect(() => mlaDims(config)).toThrow(/qk_rope_head_dim/);
  });
});
