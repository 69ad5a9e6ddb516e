import type { SchedulingPolicy } from './request-queue.js';

export interface SchedulerConfig {
  /** Token budget of one step (`--max-num-batched-tokens`). */
  readonly maxNumBatchedTokens: number;
  /** Running requests at most (`--max-num-seqs`). */
  readonly maxNumSeqs: number;
  /** Prompt plus output tokens of one request at most. */
  readonly maxModelLen: number;
  /** Split prompts longer than the remaining budget over steps (default true). */
  readonly enableChunkedPrefill?: boolean;
  /** > 0: no request gets more than this many tokens in one step (vLLM's long_prefill_token_threshold). */
  readonly longPrefillTokenThreshold?: number;
  readonly policy?: SchedulingPolicy;
}
