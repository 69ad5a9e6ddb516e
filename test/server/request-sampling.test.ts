import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadSamplingDefaults } from '../../src/server/serving/generation-defaults.js';
import { chatLogprobs, requestSamplingParams } from '../../src/server/serving/request-sampling.js';
import { seedSequence } from '../../src/server/serving/seed-sequence.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hipserve-gen-'));
writeFileSync(path.join(dir, 'generation_config.json'),
  JSON.stringify({ do_sample: true, temperature: 0.6, top_p: 0.95, top_k: 20, max_new_tokens: 99, eos_token_id: 2 }));
writeFileSync(path.join(dir, 'model.gguf'), 'GGUF');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--generation-config', () => {
  it('auto reads the model folder; vllm reads nothing; a GGUF file has none; a named folder must hold one', () => {
    expect(loadSamplingDefaults('auto', dir)).toEqual({ temperature: 0.6, topP: 0.95, topK: 20, maxTokens: 99 });
    expect(loadSamplingDefaults('vllm', dir)).toEqual({});
    expect(loadSamplingDefaults('auto', path.join(dir, 'model.gguf'))).toEqual({});
    expect(loadSamplingDefaults(dir, path.join(dir, 'model.gguf'))).toMatchObject({ temperature: 0.6 });
    expect(() => loadSamplingDefaults(path.join(dir, 'nope'), dir)).toThrow(/generation_config\.json/);
  });
});

describe('requestSamplingParams', () => {
  const context = { vocabSize: 100, maxLogprobs: 5, defaults: { temperature: 0.6, topK: 20, maxTokens: 99 } };

  it('fills what the request leaves out from the generation config; the request wins', () => {
    const p = requestSamplingParams({ top_p: 0.5, stop: 'END' }, { maxTokens: null, logprobs: null }, context);
    expect(p).toMatchObject({ temperature: 0.6, topK: 20, topP: 0.5, maxTokens: 99, stop: ['END'] });
    const q = requestSamplingParams({ temperature: 1, top_k: 3 }, { maxTokens: 7, logprobs: 2 }, context);
    expect(q).toMatchObject({ temperature: 1, topK: 3, maxTokens: 7, logprobs: 2 });
  });

  it('limits logprobs to --max-logprobs', () => {
    expect(() => requestSamplingParams({}, { maxTokens: 1, logprobs: 6 }, context)).toThrow(/logprobs/);
  });

  it('--seed seeds requests that give none, the same way each run', () => {
    const seeded = { ...context, nextSeed: seedSequence(42) };
    const first = [1, 2, 3].map(() => requestSamplingParams({}, { maxTokens: 1, logprobs: null }, seeded).seed);
    const again = { ...context, nextSeed: seedSequence(42) };
    expect([1, 2, 3].map(() => requestSamplingParams({}, { maxTokens: 1, logprobs: null }, again).seed)).toEqual(first);
    expect(new Set(first).size).toBe(3);
    expect(requestSamplingParams({ seed: 5 }, { maxTokens: 1, logprobs: null }, seeded).seed).toBe(5);
    expect(requestSamplingParams({}, { maxTokens: 1, logprobs: null }, context).seed).toBeNull();
  });

  it('chat logprobs follow OpenAI: top_logprobs needs logprobs', () => {
    expect(chatLogprobs(true, 3)).toBe(3);
    expect(chatLogprobs(true, null)).toBe(0);
    expect(chatLogprobs(false, null)).toBeNull();
    expect(() => chatLogprobs(false, 2)).toThrow(/top_logprobs requires logprobs/);
  });
});
