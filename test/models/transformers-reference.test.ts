import { describe, expect, it } from 'vitest';

import { maxViolation } from '../helpers/random.js';
import { argmax, PagedSequences } from './paged-sequences.js';
import { loadFixtureModel, readReference, type ReferenceCase } from './transformers-fixture.js';

const MODELS = [
  ['llama', 'LlamaForCausalLM', 'llama3 RoPE, untied lm_head'],
  ['mistral', 'MistralForCausalLM', 'sliding window 12, head_dim 16'],
  ['qwen2', 'Qwen2ForCausalLM', 'q/k/v biases, yarn RoPE, tied embeddings'],
  ['qwen3', 'Qwen3ForCausalLM', 'q/k RMSNorm, head_dim 32, linear RoPE'],
  ['qwen3_moe', 'Qwen3MoeForCausalLM', 'dense layer 0, 8 experts top-2 renormalized, q/k norm'],
  ['mixtral', 'MixtralForCausalLM', 'block_sparse_moe w1/w2/w3, 4 experts top-2'],
  ['glm4_moe', 'Glm4MoeForCausalLM', 'grouped sigmoid router, shared expert, partial rotary, q/k norm'],
  ['gpt_oss', 'GptOssForCausalLM', 'sinks, sliding/full layers, yarn, fused interleaved experts with biases'],
  ['deepseek_v3', 'DeepseekV3ForCausalLM', 'MLA (q LoRA, yarn mscale, interleaved rope), grouped routing, shared expert'],
] as const;

const within = (actual: ArrayLike<number>, expected: ArrayLike<number>): void =>
  expect(maxViolation(actual, expected, 1e-3, 1e-3)).toBeLessThanOrEqual(1);

describe.each(MODELS)('%s matches transformers', (name, architecture, what) => {
  it(`(${what}): prompt logits and 40 greedy tokens, step by step`, async () => {
    const model = await loadFixtureModel(name);
    expect(model.config.architecture).toBe(architecture);
    const seqs = new PagedSequences(64, 4, 16);
    for (const [id, c] of readReference(name).entries()) {
      seqs.add(id, c.prompt);
      let logits = model.forward(seqs.step([{ id, count: c.prompt.length }]));
      within(logits, c.last_logits);
      const generated: number[] = [];
      while (generated.length < c.greedy.length) {
        const next = argmax(logits);
        generated.push(next);
        seqs.append(id, next);
        logits = model.forward(seqs.step([{ id, count: 1 }]));
      }
      expect(generated).toEqual(c.greedy);
      within(logits, c.final_logits);
    }
    model.dispose();
  });

  it('batched: one prompt chunked around the other, then both decoded in the same steps', async () => {
    const model = await loadFixtureModel(name);
    const seqs = new PagedSequences(64, 4, 16);
    const [a, b] = readReference(name) as [ReferenceCase, ReferenceCase];
    const v = model.config.vocabSize;
    seqs.add(0, a.prompt);
    seqs.add(1, b.prompt);
    const half = Math.ceil(a.prompt.length / 2);
    model.forward(seqs.step([{ id: 0, count: half }]));
    let logits = model.forward(seqs.step([{ id: 1, count: b.prompt.length }, { id: 0, count: a.prompt.length - half }]));
    const row = (r: number): Float32Array => logits.subarray(r * v, (r + 1) * v);
    within(row(0), b.last_logits);
    within(row(1), a.last_logits);
    const generated: [number[], number[]] = [[], []];
    while (generated[0].length < a.greedy.length) {
      for (const [r, id] of [[0, 1], [1, 0]] as const) {
        const next = argmax(row(r));
        generated[id].push(next);
        seqs.append(id, next);
      }
      logits = model.forward(seqs.step([{ id: 1, count: 1 }, { id: 0, count: 1 }]));
    }
    expect(generated).toEqual([a.greedy, b.greedy]);
    within(row(1), a.final_logits);
    model.dispose();
  });
});
