import { describe, expect, it } from 'vitest';

import { expectClose } from '../helpers/expect-close.js';
import { maxViolation } from '../helpers/random.js';
import { PagedSequences } from './paged-sequences.js';
import { loadFixtureModel, readReference } from './transformers-fixture.js';

// The DeepSeek-V3 fixture (MLA with q LoRA and yarn, grouped routing): transformers-reference.test.ts checks it step
// by step; here the whole prompt and continuation in one step must give what prefill-then-decode gave.
const reference = { cases: readReference('deepseek_v3') };
const VOCAB = 512;
const load = () => loadFixtureModel('deepseek_v3', 16);

describe('DeepseekV3ForCausalLM', () => {
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
