import type { PositionLogprobs } from '../../sampling/logprobs.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { jsonLogprob, tokenText, utf8Bytes } from './token-text.js';

/** /v1/completions' logprobs (OpenAI's legacy layout). */
export interface CompletionLogprobs {
  text_offset: number[];
  token_logprobs: (number | null)[];
  tokens: string[];
  top_logprobs: (Record<string, number> | null)[];
}

export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface ChatLogprobs {
  content: (ChatTokenLogprob & { top_logprobs: ChatTokenLogprob[] })[];
}

/** vLLM's prompt_logprobs: null for the first position, then `{ "<id>": { logprob, rank, decoded_token } }`. */
export type PromptLogprobsJson = (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[];

/**
 * Logprobs as JSON. Token texts are read in context (the tokens before each), so the tokens of a completion join
 * into its text; `context` is what came before the first token given.
 */
export class LogprobsFormatter {
  constructor(private readonly tokenizer: Tokenizer, private readonly asTokenIds: boolean) {}

  private each<T>(tokenIds: readonly number[], context: readonly number[],
    visit: (id: number, i: number, text: (alt: number) => string) => T): T[] {
    const seen = [...context];
    return tokenIds.map((id, i) => {
      const before = seen.slice();
      const out = visit(id, i, (alt) => tokenText(this.tokenizer, alt, this.asTokenIds, before));
      seen.push(id);
      return out;
    });
  }

  /** Completion logprobs of `tokenIds` (null positions: none, as for a prompt's first token); offsets from `startOffset`. */
  completion(tokenIds: readonly number[], positions: readonly (PositionLogprobs | null)[], startOffset: number,
    context: readonly number[] = []): CompletionLogprobs {
    const out: CompletionLogprobs = { text_offset: [], token_logprobs: [], tokens: [], top_logprobs: [] };
    let offset = startOffset;
    this.each(tokenIds, context, (id, i, text) => {
      const p = positions[i] ?? null;
      const own = text(id);
      out.tokens.push(own);
      out.text_offset.push(offset);
      offset += own.length;
      out.token_logprobs.push(p ? jsonLogprob(p.token.logprob) : null);
      if (!p) {
        out.top_logprobs.push(null);
        return;
      }
      const top: Record<string, number> = {};
      for (const t of p.top) top[text(t.tokenId)] = jsonLogprob(t.logprob);
      top[own] = jsonLogprob(p.token.logprob);
      out.top_logprobs.push(top);
    });
    return out;
  }

  chat(positions: readonly PositionLogprobs[], context: readonly number[] = []): ChatLogprobs {
    const ids = positions.map((p) => p.token.tokenId);
    return {
      content: this.each(ids, context, (id, i, text) => {
        const entry = (tokenId: number, logprob: number): ChatTokenLogprob => {
          const token = text(tokenId);
          return { token, logprob: jsonLogprob(logprob), bytes: utf8Bytes(token) };
        };
        const p = positions[i]!;
        return { ...entry(id, p.token.logprob), top_logprobs: p.top.map((t) => entry(t.tokenId, t.logprob)) };
      }),
    };
  }

  prompt(tokenIds: readonly number[], positions: readonly (PositionLogprobs | null)[]): PromptLogprobsJson {
    return this.each(tokenIds, [], (_id, i, text) => {
      const p = positions[i];
      if (!p) return null;
      const out: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
      for (const t of [...p.top, p.token]) {
        out[String(t.tokenId)] = { logprob: jsonLogprob(t.logprob), rank: t.rank, decoded_token: text(t.tokenId) };
      }
      return out;
    });
  }
}
