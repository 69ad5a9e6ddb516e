import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { createModelRegistry } from '../../src/models/builtin-models.js';
import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { maxViolation } from '../helpers/random.js';
import { argmax, PagedSequences } from './paged-sequences.js';

// Tiny random-weight MoE models saved by transformers 5.17 with its greedy continuations and logits
// (scripts/fixtures/make_moe_fixtures.py).
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/models');

interface ReferenceCase {
  prompt: number[];
  greedy: number[];
  last_logits: number[];
  final_logits: number[];
}

const MODELS = [
  ['qwen3_moe', 'Qwen3MoeForCausalLM', 'dense layer 0, 8 experts top-2 renormalized, q/k norm'],
  ['mixtral', 'MixtralForCausalLM', 'block_sparse_moe w1/w2/w3, 4 experts top-2'],
  ['glm4_moe', 'Glm4MoeForCausalLM', 'grouped sigmoid router, shared expert, partial rotary, q/k norm'],
  ['gpt_oss', 'GptOssForCausalLM', 'sinks, sliding/full layers, yarn, fused interleaved experts with biases'],
] as const;

describe.each(MODELS)('%s matches transformers', (name, architecture, what) => {
  const dir = path.join(FIXTURES, name);

  it(`(${what}): prompt logits and 40 greedy tokens, step by step`, async () => {
    expect(existsSync(dir)).toBe(true);
    const reference = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] };
    const { model } = await loadCausalLM(dir, { platform: new CpuPlatform(), registry: createModelRegistry(),
      maxNumBatchedTokens: 32 });
    expect(model.config.architecture).toBe(architecture);
    model.allocateKvCache(64, 4);
    const seqs = new PagedSequences(64, 4, 16);
    expect(reference.cases.length).toBeGreaterThanOrEqual(2);
    for (const [id, c] of reference.cases.entries()) {
      seqs.add(id, c.prompt);
      let logits = model.forward(seqs.step([{ id, count: c.prompt.length }]));
      expect(maxViolation(logits, c.last_logits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
      const generated: number[] = [];
      while (generated.length < c.greedy.length) {
        const next = argmax(logits);
        generated.push(next);
        seqs.append(id, next);
        logits = model.forward(seqs.step([{ id, count: 1 }]));
      }
      expect(generated).toEqual(c.greedy);
      expect(maxViolation(logits, c.final_logits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    }
    model.dispose();
  });

  it('batched: one prompt chunked around the other, then both decoded in the same steps', async () => {
    const reference = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] };
    const { model } = await loadCausalLM(dir, { platform: new CpuPlatform(), registry: createModelRegistry(),
      maxNumBatchedTokens: 32 });
    model.allocateKvCache(64, 4);
    const seqs = new PagedSequences(64, 4, 16);
    const [a, b] = reference.cases as [ReferenceCase, ReferenceCase];
    const v = model.config.vocabSize;
    seqs.add(0, a.prompt);
    seqs.add(1, b.prompt);
    const half = Math.ceil(a.prompt.length / 2);
    model.forward(seqs.step([{ id: 0, count: half }]));
    let logits = model.forward(seqs.step([{ id: 1, count: b.prompt.length }, { id: 0, count: a.prompt.length - half }]));
    const row = (r: number): Float32Array => logits.subarray(r * v, (r + 1) * v);
    expect(maxViolation(row(0), b.last_logits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    expect(maxViolation(row(1), a.last_logits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
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
    expect(maxViolation(row(1), a.final_logits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    model.dispose();
  });
});
