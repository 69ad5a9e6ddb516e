/**
 * The incremental detokenizer over random token streams: the emitted pieces concatenate to the full decode, and a
 * piece holds U+FFFD only where the full decode does (never half a character).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { IncrementalDetokenizer } from '../../src/tokenizer/incremental-detokenizer.js';
import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { hasShared, sharedPath } from '../helpers/shared-data.js';

const MULTI_BYTE = [
  'Emoji 🦙🚀😶‍🌫️✅ and flags 🇯🇵🇫🇷',
  '我想在apple工作1314151天～ 日本語のテキスト 한국어',
  'нещо на Български, Ελληνικά, עברית, العربية',
  'កាន់តែពិសេសអាចខលចេញ and मराठी',
  ' Once upon a time, there was a little girl named Lily. café naïve',
];
const REPLACEMENT = '\ufffd';

/** Streams `ids` in chunks of the given sizes; returns the emitted pieces (the flush last). */
function stream(tokenizer: Tokenizer, promptIds: number[], ids: number[], chunkSizes: number[]): string[] {
  const detok = new IncrementalDetokenizer(tokenizer, promptIds);
  const pieces: string[] = [];
  for (let i = 0, c = 0; i < ids.length; c++) {
    const n = Math.max(1, chunkSizes[c % chunkSizes.length] ?? 1);
    pieces.push(detok.push(...ids.slice(i, i + n)));
    i += n;
  }
  pieces.push(detok.flush());
  expect(detok.text).toBe(pieces.join(''));
  return pieces;
}

const SOURCES = [
  ['SentencePiece GGUF, byte fallback (llama-spm)', 'tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf'],
  ['byte-level BPE GGUF (gpt-2)', 'tokenizers/llamacpp-vocab/ggml-vocab-gpt-2.gguf'],
  ['tokenizer.json, byte fallback (stories260K tok512)', 'models/stories260K/hf'],
] as const;

describe.each(SOURCES)('%s', (_name, file) => {
  const available = hasShared(file);
  let tokenizer: Tokenizer;
  const get = (): Tokenizer => (tokenizer ??= loadTokenizer(sharedPath(file)));
  /** Ids likely to split characters: those of multi-byte text, plus any. */
  const pool = (): number[] => [...new Set(MULTI_BYTE.flatMap((t) => get().encode(t, { addSpecialTokens: false })))];

  test.skipIf(!available)('encoded multi-byte text streams back exactly, without U+FFFD', () => {
    fc.assert(fc.property(
      fc.constantFrom(...MULTI_BYTE), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
      (text, chunks) => {
        const ids = get().encode(text, { addSpecialTokens: false });
        const pieces = stream(get(), [], ids, chunks);
        expect(pieces.join('')).toBe(get().decode(ids));
        expect(pieces.join('')).not.toContain(REPLACEMENT);
      }), { seed: 42, numRuns: 100 });
  });

  test.skipIf(!available)('random token streams concatenate to the full decode; U+FFFD only where it has one', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.constantFrom(...pool()), fc.integer({ min: 0, max: get().vocabSize - 1 })), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }),
      (ids, chunks) => {
        const full = get().decode(ids);
        const pieces = stream(get(), [], ids, chunks);
        expect(pieces.join('')).toBe(full);
        const fffdInPieces = pieces.reduce((n, p) => n + p.split(REPLACEMENT).length - 1, 0);
        expect(fffdInPieces).toBe(full.split(REPLACEMENT).length - 1);
      }), { seed: 7, numRuns: 300 });
  });

  test.skipIf(!available)('prompt tokens give the first generated token its context (leading spaces stay)', () => {
    fc.assert(fc.property(fc.constantFrom(...MULTI_BYTE), fc.nat(), (text, cut) => {
      const ids = get().encode(text, { addSpecialTokens: false });
      const k = cut % (ids.length + 1);
      const before = get().decode(ids.slice(0, k));
      const full = get().decode(ids);
      if (!full.startsWith(before) || before.includes(REPLACEMENT)) return; // the cut splits a character
      expect(stream(get(), ids.slice(0, k), ids.slice(k), [1]).join('')).toBe(full.slice(before.length));
    }), { seed: 3, numRuns: 100 });
  });
});
