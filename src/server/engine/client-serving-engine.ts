import type { EngineClient } from '../../engine/engine-client.js';
import type { EngineRequest } from '../../engine/engine-request.js';
import type { RequestOutput } from '../../engine/request-output.js';
import type { EngineGauges, StepMetrics } from '../metrics/server-metrics.js';
import type { EngineLimits, ServingEngine } from '../serving/engine-port.js';

/** The worker-thread EngineClient as the HTTP layer sees it. */
export class ClientServingEngine implements ServingEngine {
  readonly limits: EngineLimits;

  constructor(readonly client: EngineClient) {
    const c = client.info.config;
    this.limits = {
      maxModelLen: c.maxModelLen,
      vocabSize: client.info.vocabSize,
      blockSize: c.blockSize,
      numKvBlocks: c.numBlocks - 1,
      maxNumBatchedTokens: c.maxNumBatchedTokens,
      maxNumSeqs: c.maxNumSeqs,
      enablePrefixCaching: c.enablePrefixCaching,
    };
  }

  generate(request: EngineRequest): AsyncIterable<RequestOutput> {
    return this.client.generate({
      requestId: request.requestId,
      promptTokenIds: request.promptTokenIds,
      samplingParams: request.samplingParams,
      priority: request.priority,
      extraKeys: request.extraKeys ?? null,
    });
  }

  abort(requestId: string): void {
    this.client.abort(requestId);
  }

  gauges(): EngineGauges {
    const s = this.client.stats();
    return { numRunning: s.numRunning, numWaiting: s.numWaiting, kvCacheUsage: s.kvCacheUsage };
  }

  onStep(listener: (step: StepMetrics) => void): () => void {
    return this.client.onStep((s) => listener({
      numScheduledTokens: s.numScheduledTokens,
      numPreempted: s.numPreempted,
      prefixCacheQueries: s.prefixCache.queries,
      prefixCacheHits: s.prefixCache.hits,
    }));
  }

  shutdown(): Promise<void> {
    return this.client.shutdown();
  }

  alive(): boolean {
    return this.client.alive;
  }
}
