import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LLM } from '../../src/llm/llm.js';
import { missingShared, repoPath, sharedPath } from '../helpers/shared-data.js';

interface LlamaCppReference {
  promptTokens: number[];
  tokens: number[];
  text: string;
}
const reference = (name: string): LlamaCppReference =>
  JSON.parse(readFileSync(repoPath(`test/fixtures/llamacpp/${name}.json`), 'utf8')) as LlamaCppReference;

const KNOWN = ', there was a little girl named Lily. She loved to play outside in the park.';

describe.skipIf(missingShared('models/stories260K'))('LLM on stories260K', () => {
  const models: Record<string, LLM> = {};
  beforeAll(async () => {
    models.gguf = await LLM.load(sharedPath('models/stories260K/stories260K.gguf'), { numThreads: 2 });
    models.hf = await LLM.load(sharedPath('models/stories260K/hf'), { numThreads: 2 });
  });
  afterAll(() => Object.values(models).forEach((m) => m.dispose()));

  for (const format of ['gguf', 'hf'] as const) {
    it(`${format}: greedy "Once upon a time" continues with the known story`, () => {
      const [result] = models[format]!.generate('Once upon a time', { temperature: 0, maxTokens: 32 });
      expect(result!.promptTokenIds).toEqual([1, 403, 407, 261, 378]);
      expect(result!.outputs[0]!.text.startsWith(KNOWN)).toBe(true);
      expect(result!.outputs[0]!.finishReason).toBe('length');
    });

    it(`${format}: matches llama.cpp token for token over 256 tokens`, () => {
      const ref = reference('stories260K');
      const [result] = models[format]!.generate({ promptTokenIds: ref.promptTokens },
        { temperature: 0, maxTokens: 256, ignoreEos: true });
      expect(result!.outputs[0]!.tokenIds).toEqual(ref.tokens);
    });
  }

  it('an empty prompt means BOS alone', () => {
    const [result] = models.gguf!.generate('', { temperature: 0, maxTokens: 8 });
    expect(result!.promptTokenIds).toEqual([1]);
    expect(result!.outputs[0]!.tokenIds).toHaveLength(8);
  });

  it('a batch of prompts gives each the tokens it gets alone', () => {
    const prompts = ['Once upon a time', 'The cat', 'Lily and Tom went', ''];
    const alone = prompts.map((p) => models.hf!.generate(p, { temperature: 0, maxTokens: 30 })[0]!.outputs[0]!.tokenIds);
    const batched = models.hf!.generate(prompts, { temperature: 0, maxTokens: 30 }).map((r) => r.outputs[0]!.tokenIds);
    expect(batched).toEqual(alone);
  });

  it('a seeded sampled request is reproducible and n choices come back in order', () => {
    const params = { temperature: 0.8, topP: 0.9, maxTokens: 20, seed: 7, n: 3 };
    const a = models.gguf!.generate('Once upon a time', params)[0]!;
    const b = models.gguf!.generate('Once upon a time', params)[0]!;
    expect(a.outputs.map((o) => o.index)).toEqual([0, 1, 2]);
    expect(a.outputs.map((o) => o.tokenIds)).toEqual(b.outputs.map((o) => o.tokenIds));
  });
});

describe.skipIf(missingShared('models/llama-2-tiny-random'))('LLM on llama-2-tiny-random (F16, 32k vocabulary)', () => {
  it('tokenizes the prompt as llama.cpp does and matches its greedy output over 256 tokens', async () => {
    const ref = reference('llama-2-tiny-random');
    const llm = await LLM.load(sharedPath('models/llama-2-tiny-random/llama-2-tiny-random.gguf'), { numThreads: 2 });
    try {
      const [result] = llm.generate('Once upon a time', { temperature: 0, maxTokens: 256, ignoreEos: true });
      expect(result!.promptTokenIds).toEqual(ref.promptTokens);
      expect(result!.outputs[0]!.tokenIds).toEqual(ref.tokens);
    } finally {
      llm.dispose();
    }
  });
});
