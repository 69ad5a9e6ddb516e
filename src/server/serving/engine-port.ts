import type { EngineConfig } from '../../engine/engine-config.js';
import type { EngineRequest } from '../../engine/engine-request.js';
import type { RequestOutput } from '../../engine/request-output.js';
import type { EngineGauges, StepMetrics } from '../metrics/server-metrics.js';

export type { CompletionOutput } from '../../engine/request-output.js';

/**
 * What the HTTP layer needs from the engine: stream a request's outputs (detokenized, stop strings applied), abort
 * it, and read its state and limits.
 */
export interface ServingEngine {
  readonly limits: EngineLimits;
  generate(request: EngineRequest): AsyncIterable<RequestOutput>;
  /** Ends the request now and frees its KV blocks; its stream ends with finish reason 'abort'. */
  abort(requestId: string): void;
  gauges(): EngineGauges;
  /** Hears of every engine step (for metrics); returns the unsubscribe function. */
  onStep?(listener: (step: StepMetrics) => void): () => void;
  shutdown(): Promise<void>;
  /** False once the engine can serve nothing more (its worker died): /health then answers 500. */
  alive(): boolean;
}

export interface EngineLimits {
  readonly maxModelLen: number;
  readonly vocabSize: number;
  readonly blockSize: number;
  /** Usable KV-cache blocks (the null block excluded). */
  readonly numKvBlocks: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly enablePrefixCaching: boolean;
  /** The hardware platform the engine runs on, when known. */
  readonly platform?: string;
}

/** The limits of an engine with this configuration and vocabulary. */
export function engineLimits(c: EngineConfig, vocabSize: number, platform?: string): EngineLimits {
  return {
    maxModelLen: c.maxModelLen, vocabSize, blockSize: c.blockSize, numKvBlocks: c.numBlocks - 1,
    maxNumBatchedTokens: c.maxNumBatchedTokens, maxNumSeqs: c.maxNumSeqs, enablePrefixCaching: c.enablePrefixCaching,
    ...(platform ? { platform } : {}),
  };
}
