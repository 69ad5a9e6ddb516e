/**
 * The llama2.c tok512 vocabulary of stories260K, as a GGUF vocabulary and as a Hugging Face tokenizer.json, against
 * vectors from llama2.c's encoder (which adds BOS; the .out lines leave it out).
 */
import { describe, expect, test } from 'vitest';

import { loadModelFiles } from '../../src/loader/load-model.js';
import { loadTokenizer, tokenizerOfModelFiles } from '../../src/tokenizer/load-tokenizer.js';
import { hasShared, sharedPath } from '../helpers/shared-data.js';
import { readTokenizerVectors } from './shared-data.js';

const DIR = 'models/stories260K';
const BOS = 1;

describe.skipIf(!hasShared(DIR))(`stories260K tok512 (${sharedPath(DIR)})`, () => {
  const sources = [
    ['GGUF vocabulary', `${DIR}/stories260K.gguf`],
    ['tokenizer.json', `${DIR}/hf`],
  ] as const;

  const loaders = [
    ['loadTokenizer', loadTokenizer],
    ['the opened model files', (p: string) => tokenizerOfModelFiles(loadModelFiles(p))],
  ] as const;

  for (const [kind, file] of sources) for (const [how, load] of loaders) {
    test(`${kind} (${how}): llama2.c encode vectors, with BOS, and back`, () => {
      const tokenizer = load(sharedPath(file));
      expect(tokenizer.bosTokenId).toBe(BOS);
      expect(tokenizer.encode('Once upon a time')).toEqual([BOS, 403, 407, 261, 378]);
      const vectors = readTokenizerVectors(sharedPath(`${DIR}/tok512-llama2c-encode.inp`), sharedPath(`${DIR}/tok512-llama2c-encode.out`));
      expect(vectors.length).toBeGreaterThan(10);
      for (const { text, ids } of vectors) {
        expect(tokenizer.encode(text), JSON.stringify(text)).toEqual([BOS, ...ids]);
        expect(tokenizer.decode([BOS, ...ids]), JSON.stringify(text)).toBe(text);
      }
    });
  }

  test('EOS comes from the vocabulary (GGUF) and from generation_config.json (tokenizer.json)', () => {
    for (const [, file] of sources) {
      const tokenizer = loadTokenizer(sharedPath(file));
      expect(tokenizer.eosTokenIds).toContain(2);
      expect(tokenizer.specials.eosToken).toBe('</s>');
      expect(tokenizer.decode([BOS, 403, 2], { skipSpecialTokens: false })).toBe('<s> Once</s>');
    }
  });
});
