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

export class LogprobsFormatter {
  constructor(private readonly tokenizer: Tokenizer, private readonly asTokenIds: boolean) {}

  private text(id: number): string {
    return tokenText(this.tokenizer, id, this.asTokenIds);
  }

  /**
   * Completion logprobs of `tokenIds`, whose positions are `positions` (null: none, as for a prompt's first token);
   * offsets count from `startOffset` characters into the returned text.
   */
  completion(tokenIds: readonly number[], positions: readonly (PositionLogprobs | null)[], startOffset: number): CompletionLogprobs {
    const out: CompletionLogprobs = { text_offset: [], token_logprobs: [], tokens: [], top_logprobs: [] };
    let offset = startOffset;
    tokenIds.forEach((id, i) => {
      const p = positions[i] ?? null;
      const text = this.text(id);
      out.tokens.push(text);
      out.text_offset.push(offset);
      offset += text.length;
      out.token_logprobs.push(p ? jsonLogprob(p.token.logprob) : null);
      if (!p) {
        out.top_logprobs.push(null);
        return;
      }
      const top: Record<string, number> = {};
      for (const t of p.top) top[this.text(t.tokenId)] = jsonLogprob(t.logprob);
      top[text] = jsonLogprob(p.token.logprob);
      out.top_logprobs.push(top);
    });
    return out;
  }

  chat(positions: readonly PositionLogprobs[]): ChatLogprobs {
    const entry = (tokenId: number, logprob: number): ChatTokenLogprob => {
      const token = this.text(tokenId);
      return { token, logprob: jsonLogprob(logprob), bytes: utf8Bytes(token) };
    };
    return {
      content: positions.map((p) => ({
        ...entry(p.token.tokenId, p.token.logprob),
        top_logprobs: p.top.map((t) => entry(t.tokenId, t.logprob)),
      })),
    };
  }

  prompt(positions: readonly (PositionLogprobs | null)[]): PromptLogprobsJson {
    return positions.map((p) => {
      if (!p) return null;
      const out: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
      for (const t of [...p.top, p.token]) {
        out[String(t.tokenId)] = { logprob: jsonLogprob(t.logprob), rank: t.rank, decoded_token: this.text(t.tokenId) };
      }
      return out;
    });
  }
}
