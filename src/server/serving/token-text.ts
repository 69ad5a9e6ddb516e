import type { Tokenizer } from '../../tokenizer/tokenizer.js';

/** Tokens before the one shown that give it its context (SentencePiece's leading space, split characters). */
const CONTEXT = 4;

/**
 * A token's text as it appears after `context` (the tokens before it), so that the texts of consecutive tokens
 * join into the decoded text: decode(context + id) minus decode(context). Special tokens show as their text.
 * `token_id:<id>` when the client asked for ids.
 */
export function tokenText(tokenizer: Tokenizer, id: number, asTokenIds: boolean, context: readonly number[] = []): string {
  if (asTokenIds) return `token_id:${id}`;
  const options = { skipSpecialTokens: false };
  const prev = context.slice(-CONTEXT);
  if (prev.length > 0) {
    const before = tokenizer.decode(prev, options);
    const after = tokenizer.decode([...prev, id], options);
    if (after.startsWith(before)) return after.slice(before.length);
  }
  return tokenizer.decode([id], options);
}

/** JSON has no -Infinity: vLLM's stand-in is -9999. */
export function jsonLogprob(logprob: number): number {
  return Number.isFinite(logprob) ? logprob : -9999;
}

export function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}
