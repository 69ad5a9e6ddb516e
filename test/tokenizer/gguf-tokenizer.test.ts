/** GGUF-embedded vocabularies beyond the encode vectors: BOS/EOS, special tokens, decoding, chat templates, errors. */
import { describe, expect, test } from 'vitest';

import type { Gguf } from '../../src/loader/gguf.js';
import { tokenizerFromGguf, tokenizerFromVocab } from '../../src/tokenizer/gguf-tokenizer.js';
import { ggufVocab, TokenType } from '../../src/tokenizer/gguf-vocab.js';
import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { hasShared, sharedPath } from '../helpers/shared-data.js';
import { readTokenizerVectors } from './shared-data.js';

const DIR = 'tokenizers/llamacpp-vocab';
const cache = new Map<string, Tokenizer>();
function vocab(name: string): Tokenizer {
  let t = cache.get(name);
  if (!t) cache.set(name, (t = loadTokenizer(sharedPath(`${DIR}/ggml-vocab-${name}.gguf`))));
  return t;
}
function vectors(name: string): ReturnType<typeof readTokenizerVectors> {
  return readTokenizerVectors(sharedPath(`${DIR}/ggml-vocab-${name}.gguf.inp`), sharedPath(`${DIR}/ggml-vocab-${name}.gguf.out`));
}

describe.skipIf(!hasShared(DIR))('GGUF vocabularies', () => {
  test('BOS/EOS as llama.cpp adds them: SentencePiece BOS, gpt-2 none, add_bos_token, BERT [CLS] ... [SEP]', () => {
    const expectations: [name: string, prefix: (t: Tokenizer) => number[], suffix: (t: Tokenizer) => number[]][] = [
      ['llama-spm', (t) => [t.bosTokenId!], () => []],
      ['gpt-2', () => [], () => []],
      ['deepseek-coder', (t) => [t.tokenToId('<｜begin▁of▁sentence｜>')!], () => []],
      ['bert-bge', (t) => [t.tokenToId('[CLS]')!], (t) => [t.tokenToId('[SEP]')!]],
    ];
    for (const [name, prefix, suffix] of expectations) {
      const t = vocab(name);
      for (const { text, ids } of vectors(name).slice(10, 20)) {
        expect(t.encode(text), `${name} ${JSON.stringify(text)}`).toEqual([...prefix(t), ...ids, ...suffix(t)]);
      }
    }
  });

  test('decode skips special tokens unless asked, and inverts encode', () => {
    const t = vocab('llama-spm');
    const ids = t.encode(' Hello world');
    expect(ids[0]).toBe(1);
    expect(t.decode(ids)).toBe(' Hello world');
    expect(t.decode([...ids, t.eosTokenIds[0]!], { skipSpecialTokens: false })).toBe('<s>  Hello world</s>');
    expect(t.decode([...ids, 99_999_999, -1, 1.5])).toBe(' Hello world'); // ids outside the vocabulary print nothing
    expect(t.idToToken(1.5)).toBeNull();
    expect(vocab('gpt-2').decode(vocab('gpt-2').encode('Hello , world !'), { cleanUpSpaces: true })).toBe('Hello, world!');
    const bert = vocab('bert-bge');
    expect(bert.decode(bert.encode('Hello World! Äpfel'))).toBe('hello world ! apfel');
    expect(bert.decode(bert.encode('Hello World! Äpfel'), { cleanUpSpaces: true })).toBe('hello world! apfel');
  });

  test('control tokens in the text are parsed unless parseSpecial is false; EOS/EOT end generation (phi-3)', () => {
    const t = vocab('phi-3');
    const user = t.tokenToId('<|user|>')!;
    const end = t.tokenToId('<|end|>')!;
    const ids = t.encode('<|user|>\nHi there<|end|>', { addSpecialTokens: false });
    expect(ids[0]).toBe(user);
    expect(ids.at(-1)).toBe(end);
    expect(t.decode(ids, { skipSpecialTokens: false })).toBe('<|user|> \nHi there<|end|>');
    const literal = t.encode('<|user|>', { addSpecialTokens: false, parseSpecial: false });
    expect(literal).not.toContain(user);
    expect(t.decode(literal)).toBe('<|user|>');
    expect(t.eosTokenIds).toEqual(expect.arrayContaining([t.tokenToId('<|endoftext|>'), end]));
  });

  test('the chat template travels with the vocabulary (tokenizer.chat_template)', () => {
    expect(vocab('phi-3').chatTemplates.default).toContain('<|user|>');
    expect(vocab('gpt-2').chatTemplates).toEqual({});
  });

  test('a 100k-token vocabulary with 100k merges loads in well under a few seconds', () => {
    const started = performance.now();
    loadTokenizer(sharedPath(`${DIR}/ggml-vocab-deepseek-llm.gguf`));
    const ms = performance.now() - started;
    console.log(`deepseek-llm GGUF vocabulary (102400 tokens, 99757 merges) loaded in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(10_000); // generous: the test machine is shared
  });
});

describe('malformed or unsupported vocabularies', () => {
  const base = { file: 'x.gguf', model: 'llama', pre: null, tokens: ['<unk>', '<s>', '</s>', 'a'], scores: null,
    tokenTypes: [TokenType.Unknown, TokenType.Control, TokenType.Control, TokenType.Normal], merges: null,
    bosTokenId: null, eosTokenId: null, eotTokenId: null, eomTokenId: null, unkTokenId: null, sepTokenId: null,
    padTokenId: null, clsTokenId: null, addBosToken: null, addEosToken: null, addSepToken: null, addSpacePrefix: null,
    chatTemplates: {} };

  test('an unknown model type, BPE without merges or an unknown pre-tokenizer is unsupported', () => {
    expect(() => tokenizerFromVocab({ ...base, model: 't5' })).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => tokenizerFromVocab({ ...base, model: 'gpt2' })).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => tokenizerFromVocab({ ...base, model: 'gpt2', merges: [], pre: 'klingon' }))
      .toThrow(expect.objectContaining({ code: 'unsupported', message: expect.stringContaining('klingon') }));
  });

  test('a GGUF without a vocabulary names the file and the key; none ids (u32 -1) are ignored', () => {
    const gguf = (metadata: Record<string, unknown>): Gguf =>
      ({ file: 'm.gguf', version: 3, alignment: 32, metadata, tensors: [], dataOffset: 0 }) as unknown as Gguf;
    expect(() => tokenizerFromGguf(gguf({ 'tokenizer.ggml.model': 'llama' })))
      .toThrow(expect.objectContaining({ code: 'model_file_error', message: expect.stringContaining('m.gguf: metadata.tokenizer.ggml.tokens') }));
    const v = ggufVocab(gguf({ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': base.tokens,
      'tokenizer.ggml.padding_token_id': 4294967295, 'tokenizer.ggml.eos_token_id': 2 }));
    expect(v.padTokenId).toBeNull();
    expect(v.eosTokenId).toBe(2);
    expect(() => ggufVocab(gguf({ 'tokenizer.ggml.model': 'llama', 'tokenizer.ggml.tokens': base.tokens,
      'tokenizer.ggml.scores': new Float32Array(2) }))).toThrow(expect.objectContaining({ code: 'model_file_error' }));
  });
});
