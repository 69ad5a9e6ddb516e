import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { createModelRegistry } from '../../src/models/builtin-models.js';
import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { expectClose } from '../helpers/expect-close.js';
import { maxViolation } from '../helpers/random.js';
import { argmax, PagedSequences } from './paged-sequences.js';

// A tiny random DeepSeek-V3 saved by transformers 5.17 with its greedy continuations and logits: 3 layers (the first
// dense), q LoRA, MLA with yarn RoPE (mscale² in the softmax scale) and interleaved rope dims, 8 routed experts
// top-2 in 4 groups (2 picked) with correction bias and scaling, one shared expert.
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/models/deepseek_v3');

interface ReferenceCase {
  prompt: number[];
  greedy: number[];
  last_logits: number[];
  final_logits: number[];
}

const reference = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as { cases: ReferenceCase[] };
const VOCAB = 512;

async function load() {
  expect(existsSync(DIR)).toBe(true);
  const { model } = await loadCausalLM(DIR, { platform: new CpuPlatform(), registry: createModelRegistry(),
    maxNumBatchedTokens: 16 });
  model.allocateKvCache(64, 4);
  return model;
}

describe('DeepseekV3ForCausalLM matches transformers', () => {
  it('prompt logits and 40 greedy tokens, step by step (prefill expanded, decode absorbed)', async () => {
    const model = await load();
    expect(model.config.architecture).toBe('DeepseekV3ForCausalLM');
    const seqs = new PagedSequences(64, 4, 16);
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

  it('computes prompt and continuation at once as it does prefill-then-decode, both cases batched', async () => {
    const model = await load();
    const seqs = new PagedSequences(64, 4, 16);
    const stepwise: Float32Array[][] = reference.cases.map(() => []);
    reference.cases.forEach((c, id) => seqs.add(id, [...c.prompt, ...c.greedy]));
    // Both cases' prompts in one step, then their continuations one token per step, side by side.
    const prompts = reference.cases.map((c, id) => ({ id, count: c.prompt.length }));
    let logits = model.forward(seqs.step(prompts));
    reference.cases.forEach((_, id) => stepwise[id]!.push(logits.slice(id * VOCAB, (id + 1) * VOCAB)));
    for (let i = 0; i < reference.cases[0]!.greedy.length; i++) {
      logits = model.forward(seqs.step(reference.cases.map((_, id) => ({ id, count: 1 }))));
      reference.cases.forEach((_, id) => stepwise[id]!.push(logits.slice(id * VOCAB, (id + 1) * VOCAB)));
    }
    model.dispose();

    const fresh = await load();
    const all = new PagedSequences(64, 4, 16);
    for (const [id, c] of reference.cases.entries()) {
      const tokens = [...c.prompt, ...c.greedy];
      all.add(id, tokens);
      const batch = all.step([{ id, count: tokens.length }]);
      const rows = Int32Array.from({ length: c.greedy.length + 1 }, (_, i) => c.prompt.length - 1 + i);
      const atOnce = fresh.forward({ ...batch, logitsIndices: rows });
      expectClose(atOnce, stepwise[id]!.flatMap((row) => [...row]), 1e-4, 1e-4);
      expect(maxViolation(atOnce.subarray(0, VOCAB), c.last_logits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
      expect(maxViolation(atOnce.subarray(c.greedy.length * VOCAB), c.final_logits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    }
    fresh.dispose();
  });
});
