import type { Tokenizer } from '../../tokenizer/tokenizer.js';

const cache = new WeakMap<Tokenizer, Map<number, string>>();

/** A token's own text, as logprobs show it (special tokens included); `token_id:<id>` when the client asked for ids. */
export function tokenText(tokenizer: Tokenizer, id: number, asTokenIds: boolean): string {
  if (asTokenIds) return `token_id:${id}`;
  let texts = cache.get(tokenizer);
  if (!texts) cache.set(tokenizer, (texts = new Map()));
  let text = texts.get(id);
  if (text === undefined) texts.set(id, (text = tokenizer.decode([id], { skipSpecialTokens: false })));
  return text;
}

/** JSON has no -Infinity: vLLM's stand-in is -9999. */
export function jsonLogprob(logprob: number): number {
  return Number.isFinite(logprob) ? logprob : -9999;
}

export function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}
