import type { RequestDelta, RequestMetrics } from '../engine/request-output.js';
import type { FinishReason } from '../engine/request.js';
import type { PositionLogprobs } from '../sampling/logprobs.js';

/** One finished choice of an offline generation (vLLM's CompletionOutput). */
export interface CompletionResult {
  readonly index: number;
  readonly text: string;
  readonly tokenIds: number[];
  readonly logprobs: PositionLogprobs[] | null;
  readonly finishReason: FinishReason | null;
  readonly stopReason: string | number | null;
}

/** One finished request of an offline generation (vLLM's RequestOutput once finished). */
export interface GenerationResult {
  readonly requestId: string;
  readonly prompt: string | null;
  readonly promptTokenIds: readonly number[];
  readonly promptLogprobs: readonly (PositionLogprobs | null)[] | null;
  readonly outputs: CompletionResult[];
  readonly metrics: RequestMetrics | null;
}

/** Folds a request's streamed deltas into its final result. */
export class GenerationAccumulator {
  private readonly outputs: { -readonly [K in keyof CompletionResult]: CompletionResult[K] }[] = [];
  private promptLogprobs: readonly (PositionLogprobs | null)[] | null = null;
  private metrics: RequestMetrics | null = null;

  constructor(readonly requestId: string, private readonly prompt: string | null,
    private readonly promptTokenIds: readonly number[], n: number) {
    for (let index = 0; index < n; index++) {
      this.outputs.push({ index, text: '', tokenIds: [], logprobs: null, finishReason: null, stopReason: null });
    }
  }

  add(delta: RequestDelta): void {
    for (const o of delta.outputs) {
      const acc = this.outputs[o.index]!;
      acc.text += o.text;
      acc.tokenIds.push(...o.tokenIds);
      if (o.logprobs) (acc.logprobs ??= []).push(...o.logprobs);
      if (o.finishReason) {
        acc.finishReason = o.finishReason;
        acc.stopReason = o.stopReason;
      }
    }
    this.promptLogprobs ??= delta.promptLogprobs;
    this.metrics = delta.metrics;
  }

  result(): GenerationResult {
    return { requestId: this.requestId, prompt: this.prompt, promptTokenIds: this.promptTokenIds,
      promptLogprobs: this.promptLogprobs, outputs: this.outputs, metrics: this.metrics };
  }
}
