import type { SamplingParams } from './sampling-params.js';

export interface TokenStopInput {
  readonly outputTokenIds: readonly number[];
  /** Output tokens allowed (max_tokens cut to the context). */
  readonly maxTokens: number;
  readonly eosTokenIds: readonly number[];
  readonly samplingParams: SamplingParams;
}

export interface StopDecision {
  readonly reason: 'stop' | 'length';
  /** The stop token id that ended the output; null for EOS and length. */
  readonly stopReason: number | null;
}

/** Stop conditions decided by the last generated token alone (stop strings need text: see StopStringMatcher). */
export function checkTokenStop(request: TokenStopInput): StopDecision | null {
  const { outputTokenIds: out, samplingParams: p } = request;
  const n = out.length;
  if (n > 0 && n >= p.minTokens) {
    const last = out[n - 1]!;
    if (!p.ignoreEos && request.eosTokenIds.includes(last)) return { reason: 'stop', stopReason: null };
    if (p.stopTokenIds.includes(last)) return { reason: 'stop', stopReason: last };
  }
  return n >= request.maxTokens ? { reason: 'length', stopReason: null } : null;
}
