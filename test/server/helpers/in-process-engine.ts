/**
 * An engine on the test's own thread: the real LLMEngine (scheduler, KV cache, output processor) stepped on the event
 * loop, behind the ServingEngine port. Route tests use it with the fake model; the worker-thread client serves
 * `hipserve serve`.
 */
import { EngineCore, type StepStats } from '../../../src/engine/engine-core.js';
import type { EngineOptions } from '../../../src/engine/engine-config.js';
import type { EngineRequest } from '../../../src/engine/engine-request.js';
import { LLMEngine } from '../../../src/engine/llm-engine.js';
import { RequestOutputAssembler } from '../../../src/engine/request-output-assembler.js';
import type { RequestDelta, RequestOutput } from '../../../src/engine/request-output.js';
import type { CausalLM } from '../../../src/models/forward-batch.js';
import { stepMetrics, type EngineGauges, type StepMetrics } from '../../../src/server/metrics/server-metrics.js';
import { engineLimits, type EngineLimits, type ServingEngine } from '../../../src/server/serving/engine-port.js';
import type { Tokenizer } from '../../../src/tokenizer/tokenizer.js';

class OutputQueue {
  private readonly items: RequestOutput[] = [];
  private wake: (() => void) | null = null;
  ended = false;

  push(item: RequestOutput): void {
    this.items.push(item);
    if (item.finished) this.ended = true;
    this.wake?.();
  }

  async *drain(): AsyncGenerator<RequestOutput> {
    for (;;) {
      const item = this.items.shift();
      if (item) {
        yield item;
        if (item.finished) return;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

export class InProcessEngine implements ServingEngine {
  readonly limits: EngineLimits;
  private readonly engine: LLMEngine;
  private readonly queues = new Map<string, { queue: OutputQueue; assembler: RequestOutputAssembler }>();
  private readonly listeners = new Set<(step: StepMetrics) => void>();
  private last: StepStats | null = null;
  private looping = false;
  private stopped = false;
  stepDelayMs = 0;

  alive(): boolean {
    return true;
  }

  constructor(model: CausalLM, tokenizer: Tokenizer, options: EngineOptions = {}) {
    const core = EngineCore.create(model, options);
    this.engine = new LLMEngine(core, tokenizer);
    this.limits = engineLimits(core.config, core.vocabSize);
  }

  generate(request: EngineRequest): AsyncIterable<RequestOutput> {
    this.engine.addRequest(request);
    const entry = { queue: new OutputQueue(), assembler: new RequestOutputAssembler(request.promptTokenIds) };
    this.queues.set(request.requestId, entry);
    this.kick();
    return entry.queue.drain();
  }

  abort(requestId: string): void {
    const delta = this.engine.abort(requestId);
    if (delta) this.deliver(delta);
    this.kick();
  }

  gauges(): EngineGauges {
    return { numRunning: this.last?.numRunning ?? 0, numWaiting: this.last?.numWaiting ?? 0, kvCacheUsage: this.last?.kvCacheUsage ?? 0 };
  }

  onStep(listener: (step: StepMetrics) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.engine.dispose();
  }

  private deliver(delta: RequestDelta): void {
    const entry = this.queues.get(delta.requestId);
    if (!entry) return;
    entry.queue.push(entry.assembler.assemble(delta));
    if (delta.finished) this.queues.delete(delta.requestId);
  }

  private kick(): void {
    if (this.looping || this.stopped) return;
    this.looping = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    // One step more after the last request ends, so usage and KV gauges read zero afterwards.
    let idleSteps = 0;
    while (!this.stopped && idleSteps < 1) {
      if (!this.engine.hasUnfinishedRequests()) idleSteps++;
      const { deltas, stats } = this.engine.step();
      this.last = stats;
      for (const l of this.listeners) l(stepMetrics(stats));
      for (const d of deltas) this.deliver(d);
      await new Promise((resolve) => (this.stepDelayMs > 0 ? setTimeout(resolve, this.stepDelayMs) : setImmediate(resolve)));
    }
    this.looping = false;
    if (this.engine.hasUnfinishedRequests()) this.kick();
  }
}
