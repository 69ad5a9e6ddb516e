import { describe, expect, it } from 'vitest';

import { resolveSamplingParams, type SamplingParamsInit } from '../../src/sampling/sampling-params.js';

describe('resolveSamplingParams', () => {
  it('fills vLLM defaults', () => {
    const p = resolveSamplingParams();
    expect(p).toMatchObject({ n: 1, temperature: 1, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, maxTokens: null,
      minTokens: 0, stop: [], stopTokenIds: [], ignoreEos: false, logprobs: null, promptLogprobs: null, seed: null });
  });

  it('turns greedy requests into plain argmax and top_k -1 into disabled', () => {
    expect(resolveSamplingParams({ temperature: 0, topP: 0.5, topK: 5, minP: 0.2 })).toMatchObject({ topP: 1, topK: 0, minP: 0 });
    expect(resolveSamplingParams({ topK: -1 }).topK).toBe(0);
  });

  it('accepts logit_bias as an OpenAI object of string ids', () => {
    expect([...resolveSamplingParams({ logitBias: { '5': 2.5, 7: -100 } }, { vocabSize: 10 }).logitBias!]).toEqual([[5, 2.5], [7, -100]]);
  });

  const bad: [SamplingParamsInit, string][] = [
    [{ temperature: -0.1 }, 'temperature'],
    [{ topP: 0 }, 'top_p'],
    [{ topP: 1.5 }, 'top_p'],
    [{ topK: -2 }, 'top_k'],
    [{ topK: 1.5 }, 'top_k'],
    [{ minP: 2 }, 'min_p'],
    [{ repetitionPenalty: 0 }, 'repetition_penalty'],
    [{ presencePenalty: 3 }, 'presence_penalty'],
    [{ frequencyPenalty: -2.5 }, 'frequency_penalty'],
    [{ n: 0 }, 'n'],
    [{ maxTokens: 0 }, 'max_tokens'],
    [{ maxTokens: 4, minTokens: 5 }, 'min_tokens'],
    [{ logprobs: 21 }, 'logprobs'],
    [{ promptLogprobs: -1 }, 'prompt_logprobs'],
    [{ stop: [''] }, 'stop'],
    [{ stopTokenIds: [10] }, 'stop_token_ids[0]'],
    [{ allowedTokenIds: [] }, 'allowed_token_ids'],
    [{ badTokenIds: [-1] }, 'bad_token_ids[0]'],
    [{ logitBias: { 12: 1 } }, 'logit_bias'],
    [{ logitBias: { 1: 101 } }, 'logit_bias[1]'],
    [{ seed: 0.5 }, 'seed'],
    [{ temperature: Number.NaN }, 'temperature'],
  ];
  for (const [init, param] of bad) {
    it(`rejects ${JSON.stringify(init)} as invalid_request naming ${param}`, () => {
      expect(() => resolveSamplingParams(init, { vocabSize: 10 })).toThrow(
        expect.objectContaining({ code: 'invalid_request', param, status: 400 }));
    });
  }
});
