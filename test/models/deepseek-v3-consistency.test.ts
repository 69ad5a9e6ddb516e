import { describe, expect, it } from 'vitest';

import { hfToModelConfig } from '../../src/loader/hf-config.js';
import { createModelRegistry } from '../../src/models/builtin-models.js';
import type { CausalLM } from '../../src/models/forward-batch.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';
import { MemoryWeights } from '../layers/memory-weights.js';
import { PagedSequences } from './paged-sequences.js';

// A dense (first_k_dense_replace = all layers) DeepSeek-V3 with random weights: only the attention's cache use
// differs between the ways of stepping through the same tokens.
const [VOCAB, HIDDEN, INTER, LAYERS, HEADS] = [40, 32, 48, 2, 4];
const CONFIG = { architectures: ['DeepseekV3ForCausalLM'], model_type: 'deepseek_v3', vocab_size: VOCAB,
  hidden_size: HIDDEN, intermediate_size: INTER, num_hidden_layers: LAYERS, num_attention_heads: HEADS,
  num_key_value_heads: HEADS, head_dim: 4, rms_norm_eps: 1e-6, max_position_embeddings: 64, q_lora_rank: 16,
  kv_lora_rank: 12, qk_nope_head_dim: 8, qk_rope_head_dim: 4, v_head_dim: 6, first_k_dense_replace: LAYERS,
  rope_interleave: true, tie_word_embeddings: false,
  rope_parameters: { rope_type: 'yarn', factor: 2, mscale: 1, mscale_all_dim: 1, original_max_position_embeddings: 32,
    rope_theta: 10000 } };

function buildModel(): CausalLM {
  const weights = new MemoryWeights();
  let seed = 1;
  const add = (name: string, shape: number[], scale = 0.2, offset = 0) =>
    weights.add(name, shape, randomF32(shape.reduce((a, b) => a * b, 1), seed++, scale).map((v) => v + offset));
  add('model.embed_tokens.weight', [VOCAB, HIDDEN], 1);
  for (let i = 0; i < LAYERS; i++) {
    const p = `model.layers.${i}`;
    add(`${p}.input_layernorm.weight`, [HIDDEN], 0.1, 1);
    add(`${p}.post_attention_layernorm.weight`, [HIDDEN], 0.1, 1);
    add(`${p}.self_attn.q_a_proj.weight`, [16, HIDDEN]);
    add(`${p}.self_attn.q_a_layernorm.weight`, [16], 0.1, 1);
    add(`${p}.self_attn.q_b_proj.weight`, [HEADS * 12, 16]);
    add(`${p}.self_attn.kv_a_proj_with_mqa.weight`, [12 + 4, HIDDEN]);
    add(`${p}.self_attn.kv_a_layernorm.weight`, [12], 0.1, 1);
    add(`${p}.self_attn.kv_b_proj.weight`, [HEADS * (8 + 6), 12]);
    add(`${p}.self_attn.o_proj.weight`, [HIDDEN, HEADS * 6]);
    add(`${p}.mlp.gate_proj.weight`, [INTER, HIDDEN]);
    add(`${p}.mlp.up_proj.weight`, [INTER, HIDDEN]);
    add(`${p}.mlp.down_proj.weight`, [HIDDEN, INTER]);
  }
  add('model.norm.weight', [HIDDEN], 0.1, 1);
  add('lm_head.weight', [VOCAB, HIDDEN]);
  const config = hfToModelConfig(CONFIG, 'config.json');
  const platform = new CpuPlatform();
  const factory = createModelRegistry().resolve('DeepseekV3ForCausalLM');
  return factory({ config, weights, platform, kernels: platform.createKernelContext(), options: {} }) as CausalLM;
}

const TOKENS = [3, 17, 5, 39, 0, 22, 8, 8, 31, 12, 7];

describe('DeepseekV3ForCausalLM over the latent cache', () => {
  it('gives the same logits for a sequence computed at once, in prefill chunks, and token by token', () => {
    const model = buildModel();
    model.allocateKvCache(32, 4);
    const seqs = new PagedSequences(32, 4, 8);
    seqs.add(0, TOKENS);
    seqs.add(1, TOKENS);
    seqs.add(2, TOKENS);
    const atOnce = seqs.step([{ id: 0, count: TOKENS.length }]);
    const all = model.forward({ ...atOnce, logitsIndices: Int32Array.from(TOKENS, (_, i) => i) }).slice();

    const chunked: number[] = [];
    const byToken: number[] = [];
    // Sequences 1 (chunks of 4, 4, 3) and 2 (one token at a time) share steps.
    const plan = [[4, 1], [4, 1], [3, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]];
    for (const [c1, c2] of plan) {
      const chunks = [...(c1! > 0 ? [{ id: 1, count: c1! }] : []), { id: 2, count: c2! }];
      const batch = seqs.step(chunks);
      const first = c1! > 0 ? batch.queryStartLoc[0]! : -1;
      const rows = c1! > 0 ? Int32Array.from({ length: c1! + 1 }, (_, i) => first + i) : Int32Array.of(0);
      const logits = model.forward({ ...batch, logitsIndices: rows });
      if (c1! > 0) chunked.push(...logits.subarray(0, c1! * VOCAB));
      byToken.push(...logits.subarray(logits.length - VOCAB));
    }
    expect(chunked.length).toBe(all.length);
    expectClose(chunked, all, 1e-4, 1e-4);
    expectClose(byToken, all, 1e-4, 1e-4);
    model.dispose();
  });

  it('needs kv_lora_rank + qk_rope_head_dim floats per token and layer', () => {
    const model = buildModel();
    expect(model.kvCacheBytesPerBlock(16)).toBe(LAYERS * 16 * (12 + 4) * 4);
    model.dispose();
  });
});
