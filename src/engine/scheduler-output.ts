import type { PositionLogprobs } from '../sampling/logprobs.js';
import type { FinishReason, RequestView } from './request.js';

/**
 * One request's share of a step: compute tokens [numComputedTokens, numComputedTokens + numScheduledTokens) of
 * `request.allTokenIds`, writing their K/V through `blockIds`. When that reaches `request.numTokens` the runner
 * samples the next token.
 *
 * `request` and `blockIds` are live read-only views: valid until the step's `update`.
 */
export interface ScheduledRequest {
  readonly request: RequestView;
  readonly numComputedTokens: number;
  readonly numScheduledTokens: number;
  /** Block table per KV-cache group. */
  readonly blockIds: readonly (readonly number[])[];
  /** First step since (re)admission: the runner (re)builds what it keeps per request. */
  readonly isNew: boolean;
}

/** What `Scheduler.schedule()` decided for one step. */
export interface SchedulerOutput {
  readonly step: number;
  /** Running requests first (decodes and continued prefills), then newly admitted ones. */
  readonly scheduled: readonly ScheduledRequest[];
  readonly totalNumScheduledTokens: number;
  /** Requests sent back to waiting this step (their blocks are freed; they recompute later). */
  readonly preemptedRequestIds: readonly string[];
  /** Requests finished or aborted since the previous step: the runner drops what it keeps for them. */
  readonly finishedRequestIds: readonly string[];
}

/** The model runner's answer, aligned with `SchedulerOutput.scheduled`. */
export interface ModelRunnerOutput {
  /** The sampled token per request; empty for a prefill chunk that does not reach the end. */
  readonly sampledTokenIds: readonly (readonly number[])[];
  /** Logprobs of each sampled token when the request asked for them. */
  readonly logprobs: readonly (PositionLogprobs | null)[];
  /** Prompt logprobs of the positions this chunk covered, when asked for. */
  readonly promptLogprobs: readonly (readonly PositionLogprobs[] | null)[];
}

/** One request's news from a step, before detokenization. */
export interface EngineCoreOutput {
  readonly requestId: string;
  readonly newTokenIds: readonly number[];
  readonly newLogprobs: readonly PositionLogprobs[] | null;
  readonly newPromptLogprobs: readonly PositionLogprobs[] | null;
  readonly finishReason: FinishReason | null;
  readonly stopReason: string | number | null;
  /** When the request was first scheduled (epoch ms), and the prompt tokens its first admission found cached. */
  readonly firstScheduledTime: number | null;
  readonly numCachedTokens: number;
}
