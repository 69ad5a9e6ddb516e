import { describe, expect, it } from 'vitest';

import { referenceAgreement } from '../../src/eval/reference-agreement.js';
import { readReferenceSet } from '../../src/eval/reference-set.js';
import { LLM } from '../../src/llm/llm.js';
import { missingShared, repoPath, sharedPath } from '../helpers/shared-data.js';

describe('agreement with stored references', () => {
  it('a transformers fixture: every greedy token and the stored logits\' top logprobs', async () => {
    const dir = repoPath('test/fixtures/models/llama');
    const set = readReferenceSet(dir);
    const llm = await LLM.load(dir, { numThreads: 2, maxNumSeqs: 4, skipTokenizer: true });
    try {
      const r = referenceAgreement(llm, set, { topLogprobs: 5, tolerance: 1e-3 });
      expect(set.source).toMatch(/^transformers/);
      expect(r).toMatchObject({ cases: set.cases.length, cases_matched: set.cases.length, token_agreement: 1, passed: true });
      expect(r.tokens_compared).toBe(set.cases.reduce((n, c) => n + c.tokenIds.length, 0));
      expect(r.positions_with_logprobs).toBe(2 * set.cases.length);
      expect(r.max_logprob_diff).toBeLessThan(1e-3);
    } finally {
      llm.dispose();
    }
  });

  it('reports where a case diverges, and fails it', async () => {
    const dir = repoPath('test/fixtures/models/llama');
    const set = readReferenceSet(dir);
    const c = set.cases[0]!;
    const altered = { ...set, cases: [{ ...c, tokenIds: [...c.tokenIds.slice(0, 10), (c.tokenIds[10]! + 1) % 512, ...c.tokenIds.slice(11)] }] };
    const llm = await LLM.load(dir, { numThreads: 2, maxNumSeqs: 4, skipTokenizer: true });
    try {
      const r = referenceAgreement(llm, altered, { topLogprobs: 5, tolerance: 1e-3 });
      expect(r.passed).toBe(false);
      expect(r.per_case[0]!.firstMismatch).toEqual({ index: 10, expected: (c.tokenIds[10]! + 1) % 512, got: c.tokenIds[10] });
      expect(r.token_agreement).toBeCloseTo(10 / c.tokenIds.length, 9);
      expect(r.positions_with_logprobs).toBe(1);  // the final distribution lies past the divergence
    } finally {
      llm.dispose();
    }
  });

  it.skipIf(missingShared('models/stories260K/stories260K.gguf'))('the llama.cpp continuation of stories260K, ids only', async () => {
    const set = readReferenceSet(repoPath('test/fixtures/llamacpp/stories260K.json'));
    const llm = await LLM.load(sharedPath('models/stories260K/stories260K.gguf'), { numThreads: 2, maxNumSeqs: 1, skipTokenizer: true });
    try {
      const r = referenceAgreement(llm, set, { topLogprobs: 1, tolerance: 1e-2 });
      expect(r).toMatchObject({ cases: 1, token_agreement: 1, max_logprob_diff: null, passed: true, tokens_compared: 256 });
    } finally {
      llm.dispose();
    }
  });
});
