import { HipserveError } from '../../errors.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';

/** One prompt ready for the engine; `text` is null when it came as token ids. */
export interface PreparedPrompt {
  readonly text: string | null;
  readonly tokenIds: readonly number[];
}

type RawPrompt = string | readonly string[] | readonly number[] | readonly (readonly number[])[];

export interface PromptOptions {
  readonly addSpecialTokens: boolean;
  /** Keep only the last k tokens (vLLM's truncate_prompt_tokens). */
  readonly truncateTo?: number | null;
  readonly param?: string;
}

/** /v1/completions' prompt in any of its four forms, as one PreparedPrompt per prompt. */
export function completionPrompts(prompt: RawPrompt, tokenizer: Tokenizer, options: PromptOptions): PreparedPrompt[] {
  const param = options.param ?? 'prompt';
  if (typeof prompt === 'string') return [textPrompt(prompt, tokenizer, options, param)];
  if (prompt.length === 0) throw new HipserveError('invalid_request', `${param} must not be empty`, param);
  if (typeof prompt[0] === 'number') return [idsPrompt(prompt as readonly number[], tokenizer, options, param)];
  return (prompt as readonly (string | readonly number[])[]).map((p, i) => typeof p === 'string'
    ? textPrompt(p, tokenizer, options, `${param}[${i}]`)
    : idsPrompt(p, tokenizer, options, `${param}[${i}]`));
}

export function textPrompt(text: string, tokenizer: Tokenizer, options: PromptOptions, param: string): PreparedPrompt {
  return checked({ text, tokenIds: tokenizer.encode(text, { addSpecialTokens: options.addSpecialTokens }) }, options, param);
}

function idsPrompt(ids: readonly number[], tokenizer: Tokenizer, options: PromptOptions, param: string): PreparedPrompt {
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize);
  if (bad >= 0) {
    throw new HipserveError('invalid_request',
      `${param}[${bad}] = ${ids[bad]} is not a token id of this model (0 to ${tokenizer.vocabSize - 1})`, param);
  }
  return checked({ text: null, tokenIds: ids }, options, param);
}

function checked(prompt: PreparedPrompt, options: PromptOptions, param: string): PreparedPrompt {
  if (prompt.tokenIds.length === 0) throw new HipserveError('invalid_request', `${param} is empty: there is nothing to continue`, param);
  const k = options.truncateTo;
  return k != null && prompt.tokenIds.length > k ? { text: null, tokenIds: prompt.tokenIds.slice(-k) } : prompt;
}
