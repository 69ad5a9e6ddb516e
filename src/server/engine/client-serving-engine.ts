import type { EngineClient } from '../../engine/engine-client.js';
import type { EngineRequest } from '../../engine/engine-request.js';
import type { RequestOutput } from '../../engine/request-output.js';
import { stepMetrics, type EngineGauges, type StepMetrics } from '../metrics/server-metrics.js';
import { engineLimits, type EngineLimits, type ServingEngine } from '../serving/engine-port.js';

/** The worker-thread EngineClient as the HTTP layer sees it. */
export class ClientServingEngine implements ServingEngine {
  readonly limits: EngineLimits;

  constructor(readonly client: EngineClient) {
    this.limits = engineLimits(client.info.config, client.info.vocabSize, client.info.platform);
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
    return this.client.onStep((s) => listener(stepMetrics(s)));
  }

  shutdown(): Promise<void> {
    return this.client.shutdown();
  }

  alive(): boolean {
    return this.client.alive;
  }
}
