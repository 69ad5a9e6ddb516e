import { nowMs } from '../../engine/clock.js';
import type { SamplingParams } from '../../sampling/sampling-params.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { mergeAsync } from './async-merge.js';
import type { PreparedPrompt } from './completion-prompts.js';
import type { RequestOutput } from '../../engine/request-output.js';
import type { CompletionOutput, ServingEngine } from './engine-port.js';

/** One completion's news, numbered across the request: choice `index` = promptIndex * n + the completion's own. */
export interface ChoiceEvent {
  readonly index: number;
  readonly promptIndex: number;
  readonly delta: CompletionOutput;
  /** The engine output it came from (prompt logprobs, cached tokens). */
  readonly output: RequestOutput;
}

interface ChoiceClock {
  firstToken: number | null;
  lastToken: number | null;
  numTokens: number;
  finished: boolean;
}

/**
 * The engine requests behind one HTTP request: one per prompt, each completing n times. Streams their news as
 * ChoiceEvents, records per-completion metrics, and aborts whatever is unfinished when stopped early.
 */
export class GenerationRun {
  readonly arrivalTime = nowMs();
  private readonly start = performance.now();
  private readonly unfinished = new Set<string>();
  private readonly clocks = new Map<number, ChoiceClock>();
  private aborted = false;

  constructor(
    private readonly engine: ServingEngine,
    private readonly metrics: ServerMetrics | null,
    readonly requestId: string,
    readonly prompts: readonly PreparedPrompt[],
    readonly params: SamplingParams,
    private readonly options: { priority?: number; cacheSalt?: string | null; maxTokens?: number } = {},
  ) {}

  /** Stops every engine request still running; their streams end with finish reason 'abort'. */
  abort(): void {
    this.aborted = true;
    for (const id of this.unfinished) this.engine.abort(id);
  }

  async *events(): AsyncGenerator<ChoiceEvent> {
    this.metrics?.recordRequestParams({ n: this.params.n, maxTokens: this.options.maxTokens ?? this.params.maxTokens ?? 0 });
    const streams = this.prompts.map((prompt, promptIndex) => this.promptEvents(prompt, promptIndex));
    try {
      yield* mergeAsync(streams);
    } finally {
      if (this.unfinished.size > 0) this.abort();
    }
  }

  private async *promptEvents(prompt: PreparedPrompt, promptIndex: number): AsyncGenerator<ChoiceEvent> {
    if (this.aborted) return;
    const engineId = this.prompts.length === 1 ? this.requestId : `${this.requestId}-${promptIndex}`;
    this.unfinished.add(engineId);
    const stream = this.engine.generate({
      requestId: engineId,
      promptTokenIds: prompt.tokenIds,
      samplingParams: this.params,
      arrivalTime: this.arrivalTime,
      priority: this.options.priority,
      extraKeys: this.options.cacheSalt ? [`salt:${this.options.cacheSalt}`] : null,
    });
    try {
      for await (const output of stream) {
        if (output.finished) this.unfinished.delete(engineId);
        for (const delta of output.outputs) {
          const index = promptIndex * this.params.n + delta.index;
          this.observe(index, prompt, delta, output);
          yield { index, promptIndex, delta, output };
        }
      }
    } finally {
      if (this.unfinished.delete(engineId)) {
        this.engine.abort(engineId);
        this.recordAborted(prompt, promptIndex);
      }
    }
  }

  /** Choices whose stream was left before their last output: they end as aborted, for the metrics. */
  private recordAborted(prompt: PreparedPrompt, promptIndex: number): void {
    for (let i = 0; i < this.params.n; i++) {
      const index = promptIndex * this.params.n + i;
      if (this.clocks.get(index)?.finished) continue;
      const abort = { index: i, text: '', tokenIds: [], cumulativeTokenIds: [], logprobs: null, finishReason: 'abort', stopReason: null } as const;
      this.observe(index, prompt, abort, null);
    }
  }

  private observe(index: number, prompt: PreparedPrompt, delta: CompletionOutput, output: RequestOutput | null): void {
    const now = performance.now();
    let clock = this.clocks.get(index);
    if (!clock) this.clocks.set(index, (clock = { firstToken: null, lastToken: null, numTokens: 0, finished: false }));
    if (delta.finishReason !== null) clock.finished = true;
    if (!this.metrics) return;
    if (delta.tokenIds.length > 0) {
      if (clock.lastToken !== null) this.metrics.recordInterTokenLatency((now - clock.lastToken) / 1000);
      clock.firstToken ??= now;
      clock.lastToken = now;
      clock.numTokens += delta.tokenIds.length;
    }
    if (delta.finishReason === null) return;
    const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
    const scheduled = output?.metrics.firstScheduledTime ?? null;
    const queueMs = scheduled === null ? null : Math.max(0, scheduled - this.arrivalTime);
    const ttftMs = clock.firstToken === null ? null : clock.firstToken - this.start;
    this.metrics.recordFinished({
      finishReason: delta.finishReason,
      numPromptTokens: prompt.tokenIds.length,
      numGenerationTokens: clock.numTokens,
      queueTime: seconds(queueMs),
      timeToFirstToken: seconds(ttftMs),
      e2eLatency: (now - this.start) / 1000,
      prefillTime: ttftMs === null || queueMs === null ? null : Math.max(0, ttftMs - queueMs) / 1000,
      decodeTime: clock.firstToken === null ? null : (now - clock.firstToken) / 1000,
    });
  }
}
