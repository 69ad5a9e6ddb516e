/**
 * A SentencePiece tokenizer.model (Llama 2's) read without sentencepiece: the same vocabulary as the Llama 2 GGUF,
 * and through the SentencePiece BPE tokenizer the llama-spm vectors (which came from the Llama 2 tokenizer).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, test } from 'vitest';

import { parseGguf } from '../../src/loader/gguf.js';
import { ggufVocab } from '../../src/tokenizer/gguf-vocab.js';
import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import { parseSentencePieceModel } from '../../src/tokenizer/sentencepiece-model.js';
import { SpmTokenizer } from '../../src/tokenizer/spm-tokenizer.js';
import { hasShared, sharedPath } from '../helpers/shared-data.js';
import { readTokenizerVectors } from './shared-data.js';

const MODEL = 'tokenizers/llama2/tokenizer.model';
const GGUF = 'models/llama-2-tiny-random/llama-2-tiny-random.gguf';
const VECTORS = 'tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf';

describe.skipIf(!hasShared(MODEL))(`SentencePiece model (${sharedPath(MODEL)})`, () => {
  const model = (): ReturnType<typeof parseSentencePieceModel> =>
    parseSentencePieceModel(new Uint8Array(readFileSync(sharedPath(MODEL))), sharedPath(MODEL));

  test.skipIf(!hasShared(GGUF))('has the vocabulary, scores, types and special ids of the Llama 2 GGUF', () => {
    const spm = model();
    const gguf = ggufVocab(parseGguf(new Uint8Array(readFileSync(sharedPath(GGUF))), sharedPath(GGUF)));
    expect(spm.tokens).toEqual(gguf.tokens);
    expect(Array.from(spm.scores!)).toEqual(Array.from(gguf.scores!));
    expect(Array.from(spm.tokenTypes!)).toEqual(Array.from(gguf.tokenTypes!));
    expect([spm.bosTokenId, spm.eosTokenId, spm.unkTokenId]).toEqual([gguf.bosTokenId, gguf.eosTokenId, gguf.unkTokenId]);
    expect(spm.padTokenId).toBeNull(); // pad_id -1
    expect(spm.addSpacePrefix).toBe(true);
  });

  test.skipIf(!hasShared(`${VECTORS}.inp`))('encodes the llama-spm vectors', () => {
    const tokenizer = new SpmTokenizer(model());
    for (const { text, ids } of readTokenizerVectors(sharedPath(`${VECTORS}.inp`), sharedPath(`${VECTORS}.out`))) {
      expect(tokenizer.encode(text, { addSpecialTokens: false, parseSpecial: false }), JSON.stringify(text)).toEqual(ids);
    }
  });

  test('a Hugging Face folder with only tokenizer.model loads, with tokenizer_config.json flags and template', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hipserve-spm-'));
    try {
      symlinkSync(sharedPath(MODEL), path.join(dir, 'tokenizer.model'));
      writeFileSync(path.join(dir, 'tokenizer_config.json'),
        JSON.stringify({ add_bos_token: true, add_eos_token: true, chat_template: '{{ messages[0].content }}' }));
      const tokenizer = loadTokenizer(dir);
      const ids = tokenizer.encode('Hello world');
      expect(ids[0]).toBe(tokenizer.bosTokenId);
      expect(ids.at(-1)).toBe(tokenizer.eosTokenIds[0]);
      expect(tokenizer.decode(ids)).toBe('Hello world');
      expect(tokenizer.chatTemplates).toEqual({ default: '{{ messages[0].content }}' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file that is not a SentencePiece model is a model file error', () => {
    expect(() => parseSentencePieceModel(new Uint8Array([0x0a, 0x05, 0x01]), 'bad.model'))
      .toThrow(expect.objectContaining({ code: 'model_file_error', message: expect.stringContaining('bad.model') }));
    expect(() => parseSentencePieceModel(new Uint8Array(0), 'empty.model')).toThrow(expect.objectContaining({ code: 'model_file_error' }));
  });
});
