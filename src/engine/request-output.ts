import type { PositionLogprobs } from '../sampling/logprobs.js';
import type { FinishReason } from './request.js';

/**
 * Timestamps of a request, epoch milliseconds (sub-millisecond resolution). From them: queueing time =
 * firstScheduledTime - arrivalTime, time to first token = firstTokenTime - arrivalTime, end-to-end latency =
 * finishedTime - arrivalTime.
 */
export interface RequestMetrics {
  readonly arrivalTime: number;
  /** First time any of its choices was given a share of a step. */
  readonly firstScheduledTime: number | null;
  /** First time a token was generated for any of its choices. */
  readonly firstTokenTime: number | null;
  /** When its last choice finished. */
  readonly finishedTime: number | null;
  /** Prompt tokens served from the prefix cache (choice 0, at first scheduling). */
  readonly numCachedTokens: number;
}

/** One choice's news inside a RequestOutput (vLLM's CompletionOutput, streaming form). */
export interface CompletionOutput {
  /** The choice, in [0, n). */
  readonly index: number;
  /**
   * Text added since this choice's previous output. Text that could still become a stop string is held back until
   * it cannot; a stop string itself is left out unless include_stop_str_in_output.
   */
  readonly text: string;
  /** Token ids added since this choice's previous output. */
  readonly tokenIds: readonly number[];
  /**
   * Every token id of this choice so far (the token that completed a stop string included). A live array that keeps
   * growing with later outputs (no copy per token): copy it to keep a snapshot.
   */
  readonly cumulativeTokenIds: readonly number[];
  /** One entry per id in `tokenIds`, when logprobs were asked for; else null. */
  readonly logprobs: readonly PositionLogprobs[] | null;
  /** Set on this choice's last output. */
  readonly finishReason: FinishReason | null;
  /** The stop string or stop token id that ended the choice; null for EOS, length and abort. */
  readonly stopReason: string | number | null;
}

/**
 * What `EngineClient.generate` yields: the news of one request since its previous output. A request with n > 1
 * yields outputs for its choices as they progress, each listing only the choices that changed.
 */
export interface RequestOutput {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  /**
   * Logprobs of each prompt token given the ones before (the first is null), when prompt_logprobs was asked for.
   * Present, complete, on the first output after the prompt is processed; null on the others.
   */
  readonly promptLogprobs: readonly (PositionLogprobs | null)[] | null;
  readonly outputs: readonly CompletionOutput[];
  /** True on the last output: every choice has finished. */
  readonly finished: boolean;
  readonly metrics: RequestMetrics;
}

/** A RequestOutput as the engine worker sends it: the cumulative and prompt fields are filled by the receiver. */
export interface RequestDelta {
  readonly requestId: string;
  readonly promptLogprobs: readonly (PositionLogprobs | null)[] | null;
  readonly outputs: readonly Omit<CompletionOutput, 'cumulativeTokenIds'>[];
  readonly finished: boolean;
  readonly metrics: RequestMetrics;
}
