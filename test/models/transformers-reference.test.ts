import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { createModelRegistry } from '../../src/models/builtin-models.js';
import { maxViolation } from '../helpers/random.js';
import { argmax, PagedSequences } from './paged-sequences.js';

// Tiny random-weight models saved by transformers 5.17 with its greedy continuations and logits
// (scripts/fixtures/make_dense_fixtures.py).
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/models');

interface ReferenceCase {
  prompt: number[];
  greedy: number[];
  last_logits: number[];
  final_logits: number[];
}

const MODELS = [
  ['llama', 'LlamaForCausalLM', 'llama3 RoPE, untied lm_head'],
  ['mistral', 'MistralForCausalLM', 'sliding window 12, head_dim 16'],
  ['qwen2', 'Qwen2ForCausalLM', 'q/k/v biases, yarn RoPE, tied embeddings'],
  ['qwen3', 'Qwen3ForCausalLM', 'q/k RMSNorm, head_dim 32, linear RoPE'],
] as const;

describe.each(MODELS)('%s matches transformers', (name, architecture, what) => {
  const dir = path.join(FIXTURES, name);
  const reference = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as {
    architecture: string; cases: ReferenceCase[] };

  it(`(${what}): prompt logits and 40 greedy tokens, step by step`, async () => {
    expect(existsSync(dir)).toBe(true);
    const { model } = await loadCausalLM(dir, { platform: new CpuPlatform(), registry: createModelRegistry(),
      maxNumBatchedTokens: 32 });
    expect(model.config.architecture).toBe(architecture);
    model.allocateKvCache(64, 4);
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
});
