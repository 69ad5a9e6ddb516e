import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import type { SeededRandom } from '../seeded-random.js';

export interface PromptOfLength {
  readonly prompt: string;
  readonly tokenIds: number[];
  /** Tokens more (or fewer, negative) than the target that remained after the retries. */
  readonly mismatch: number;
}

/**
 * Text that tokenizes back to `targetLen` tokens, from a token sequence: decode, re-encode, then pad with random
 * allowed tokens or truncate, up to `maxRetries` times (vLLM's gen_prompt_decode_to_target_len). A run of random
 * ids rarely survives decode → encode unchanged.
 */
export function promptOfLength(tokenizer: Tokenizer, tokenIds: readonly number[], targetLen: number,
  allowedTokens: readonly number[], rng: SeededRandom, maxRetries = 10): PromptOfLength {
  let ids = [...tokenIds];
  for (let retriesLeft = maxRetries; ; retriesLeft--) {
    const prompt = tokenizer.decode(ids, { skipSpecialTokens: false });
    ids = tokenizer.encode(prompt, { addSpecialTokens: false, parseSpecial: false });
    if (retriesLeft <= 0 || ids.length === targetLen) return { prompt, tokenIds: ids, mismatch: ids.length - targetLen };
    if (ids.length < targetLen) {
      while (ids.length < targetLen) ids.push(allowedTokens[rng.int(0, allowedTokens.length - 1)]!);
    } else {
      ids = ids.slice(0, targetLen);
    }
  }
}

/**
 * The ids random prompts draw from: all but special tokens (as vLLM) and, beyond vLLM, ids that decode to no text or
 * to part of a UTF-8 character on their own (byte-fallback pieces), which would not survive decode → encode.
 */
export function allowedTokenIds(tokenizer: Tokenizer): number[] {
  const ids: number[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (tokenizer.specials.ids.has(id)) continue;
    const text = tokenizer.decode([id], { skipSpecialTokens: false });
    if (text !== '' && !text.includes('\uFFFD')) ids.push(id);
  }
  return ids;
}

/** Tokens the server's tokenizer adds to a prompt (BOS for Llama): vLLM's num_special_tokens_to_add. */
export function numSpecialTokens(tokenizer: Tokenizer): number {
  return tokenizer.encode('', { addSpecialTokens: true }).length;
}
