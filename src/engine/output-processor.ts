import type { PositionLogprobs } from '../sampling/logprobs.js';
import { StopStringMatcher } from '../sampling/stop-strings.js';
import type { SamplingParams } from '../sampling/sampling-params.js';
import { IncrementalDetokenizer } from '../tokenizer/incremental-detokenizer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { FinishReason } from './request.js';
import type { CompletionOutput, RequestDelta, RequestMetrics } from './request-output.js';
import type { EngineCoreOutput } from './scheduler-output.js';

interface Choice {
  readonly index: number;
  readonly detokenizer: IncrementalDetokenizer | null;
  readonly stop: StopStringMatcher | null;
  finished: boolean;
}

interface Parent {
  readonly requestId: string;
  readonly params: SamplingParams;
  readonly numPromptTokens: number;
  readonly choices: Choice[];
  numFinished: number;
  promptLogprobs: (PositionLogprobs | null)[] | null;
  promptLogprobsSent: boolean;
  readonly metrics: { -readonly [K in keyof RequestMetrics]: RequestMetrics[K] };
}

export interface ProcessedOutputs {
  readonly deltas: RequestDelta[];
  /** Choices a stop string ended: the engine core must finish them. */
  readonly stoppedByString: { readonly requestId: string; readonly stop: string }[];
}

type ChoiceNews = Omit<CompletionOutput, 'cumulativeTokenIds'>;

/**
 * Turns the engine core's token news into RequestDeltas: incremental detokenization, stop strings with hold-back,
 * n > 1 choices gathered under their parent request, prompt logprobs delivered once complete, timestamps.
 */
export class OutputProcessor {
  private readonly parents = new Map<string, Parent>();
  private readonly children = new Map<string, { parent: Parent; choice: Choice }>();

  constructor(private readonly tokenizer: Tokenizer | null) {}

  get numRequests(): number {
    return this.parents.size;
  }

  has(requestId: string): boolean {
    return this.parents.has(requestId);
  }

  addRequest(requestId: string, params: SamplingParams, promptTokenIds: readonly number[], arrivalTime: number,
    childIds: readonly string[]): void {
    const parent: Parent = {
      requestId, params, numPromptTokens: promptTokenIds.length, choices: [], numFinished: 0,
      promptLogprobs: params.promptLogprobs === null ? null : [null], promptLogprobsSent: false,
      metrics: { arrivalTime, firstScheduledTime: null, firstTokenTime: null, finishedTime: null, numCachedTokens: 0 },
    };
    childIds.forEach((childId, index) => {
      const choice: Choice = {
        index,
        detokenizer: this.tokenizer
          ? new IncrementalDetokenizer(this.tokenizer, promptTokenIds, { skipSpecialTokens: params.skipSpecialTokens })
          : null,
        stop: params.stop.length > 0 ? new StopStringMatcher(params.stop, params.includeStopStrInOutput) : null,
        finished: false,
      };
      parent.choices.push(choice);
      this.children.set(childId, { parent, choice });
    });
    this.parents.set(requestId, parent);
  }

  /** Child request ids of a parent request that have not finished. */
  unfinishedChildIds(requestId: string): string[] {
    const ids: string[] = [];
    for (const [childId, { parent, choice }] of this.children) if (parent.requestId === requestId && !choice.finished) ids.push(childId);
    return ids;
  }

  process(outputs: readonly EngineCoreOutput[], now: number): ProcessedOutputs {
    const news = new Map<Parent, ChoiceNews[]>();
    const stoppedByString: { requestId: string; stop: string }[] = [];
    const touched = new Set<Parent>();
    for (const o of outputs) {
      const child = this.children.get(o.requestId);
      if (!child || child.choice.finished) continue;
      const { parent, choice } = child;
      touched.add(parent);
      this.updateMetrics(parent, choice, o, now);
      if (o.newPromptLogprobs && parent.promptLogprobs && choice.index === 0) parent.promptLogprobs.push(...o.newPromptLogprobs);
      if (o.newTokenIds.length === 0 && o.finishReason === null) continue;

      let finishReason: FinishReason | null = o.finishReason;
      let stopReason = o.stopReason;
      let text = this.detokenize(parent.params, choice, o);
      if (choice.stop) {
        const r = choice.stop.push(text);
        text = r.text;
        if (r.stop !== null && finishReason !== 'abort') {
          finishReason = 'stop';
          stopReason = r.stop;
          if (o.finishReason === null) stoppedByString.push({ requestId: o.requestId, stop: r.stop });
        } else if (finishReason !== null) {
          text += choice.stop.flush();
        }
      }
      if (finishReason !== null) {
        choice.finished = true;
        this.children.delete(o.requestId);
        if (++parent.numFinished === parent.choices.length) parent.metrics.finishedTime = now;
      }
      const list = news.get(parent) ?? [];
      list.push({ index: choice.index, text, tokenIds: o.newTokenIds, logprobs: o.newLogprobs, finishReason, stopReason });
      news.set(parent, list);
    }

    const deltas: RequestDelta[] = [];
    for (const parent of touched) {
      const promptLogprobs = this.takePromptLogprobs(parent);
      const outputsOf = news.get(parent) ?? [];
      if (outputsOf.length === 0 && promptLogprobs === null) continue;
      const finished = parent.numFinished === parent.choices.length;
      if (finished) this.parents.delete(parent.requestId);
      deltas.push({ requestId: parent.requestId, promptLogprobs, outputs: outputsOf, finished, metrics: { ...parent.metrics } });
    }
    return { deltas, stoppedByString };
  }

  private updateMetrics(parent: Parent, choice: Choice, o: EngineCoreOutput, now: number): void {
    const m = parent.metrics;
    if (o.firstScheduledTime !== null && (m.firstScheduledTime === null || o.firstScheduledTime < m.firstScheduledTime)) {
      m.firstScheduledTime = o.firstScheduledTime;
    }
    if (choice.index === 0) m.numCachedTokens = o.numCachedTokens;
    if (o.newTokenIds.length > 0) m.firstTokenTime ??= now;
  }

  /** Text of the new tokens; the token that ended the output by EOS or a stop token id shows only when asked. */
  private detokenize(params: SamplingParams, choice: Choice, o: EngineCoreOutput): string {
    if (!choice.detokenizer) return '';
    const hideLast = o.finishReason === 'stop' && !params.includeStopStrInOutput && o.newTokenIds.length > 0;
    const ids = hideLast ? o.newTokenIds.slice(0, -1) : o.newTokenIds;
    let text = ids.length > 0 ? choice.detokenizer.push(...ids) : '';
    if (o.finishReason !== null) text += choice.detokenizer.flush();
    return text;
  }

  private takePromptLogprobs(parent: Parent): (PositionLogprobs | null)[] | null {
    const all = parent.promptLogprobs;
    if (all === null || parent.promptLogprobsSent || all.length < parent.numPromptTokens) return null;
    parent.promptLogprobsSent = true;
    return all;
  }
}
