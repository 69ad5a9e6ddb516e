import { HipserveError } from '../errors.js';
import type { KVCacheManager } from '../kvcache/kv-cache-manager.js';
import type { PositionLogprobs } from '../sampling/logprobs.js';
import { checkTokenStop } from '../sampling/stop-checker.js';
import { nowMs } from './clock.js';
import type { Request } from './request.js';
import { RequestQueue } from './request-queue.js';
import type { SchedulerConfig } from './scheduler-config.js';
import type { EngineCoreOutput, ModelRunnerOutput, ScheduledRequest, SchedulerOutput } from './scheduler-output.js';
import type { SchedulerStats } from './scheduler-stats.js';

/**
 * Continuous batching with one rule (vLLM v1): every running request catches its numComputedTokens up to its
 * numTokens, within the step's token budget and sequence cap. Decodes (1 token) and prefill chunks therefore share
 * steps. Running requests go first; then waiting ones in queue order while budget, seats and blocks last. When
 * blocks run out, the running request scheduled last by the policy is preempted: its blocks are freed and it
 * returns to the waiting queue at its arrival position, so it is readmitted before anything newer.
 */
export class Scheduler {
  private readonly requests = new Map<string, Request>();
  private readonly waiting: RequestQueue;
  private readonly running: Request[] = [];
  private finishedIds: string[] = [];
  private stepCount = 0;
  private lastStats = { numScheduledTokens: 0, numPreempted: 0 };
  private readonly chunked: boolean;
  private readonly threshold: number;

  constructor(readonly config: SchedulerConfig, readonly kvCacheManager: KVCacheManager) {
    this.waiting = new RequestQueue(config.policy ?? 'fcfs');
    this.chunked = config.enableChunkedPrefill ?? true;
    this.threshold = config.longPrefillTokenThreshold ?? 0;
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  get numRunning(): number {
    return this.running.length;
  }

  hasUnfinishedRequests(): boolean {
    return this.requests.size > 0;
  }

  getRequest(requestId: string): Request | undefined {
    return this.requests.get(requestId);
  }

  runningRequests(): readonly Request[] {
    return this.running;
  }

  waitingRequests(): Iterable<Request> {
    return this.waiting;
  }

  addRequest(request: Request): void {
    if (this.requests.has(request.requestId)) {
      throw new HipserveError('invalid_request', `request id ${request.requestId} is already in use`, 'request_id');
    }
    if (request.numPromptTokens === 0) throw new HipserveError('invalid_request', 'the prompt is empty', 'prompt');
    if (request.numPromptTokens >= this.config.maxModelLen) {
      throw new HipserveError('context_length_exceeded',
        `the prompt has ${request.numPromptTokens} tokens; this model's maximum context length is ` +
        `${this.config.maxModelLen} tokens, which leaves no room for output`, 'prompt');
    }
    this.requests.set(request.requestId, request);
    this.waiting.add(request);
  }

  schedule(): SchedulerOutput {
    let budget = this.config.maxNumBatchedTokens;
    const scheduled: ScheduledRequest[] = [];
    const preempted: string[] = [];

    for (let i = 0; i < this.running.length && budget > 0;) {
      const request = this.running[i]!;
      const numNewTokens = this.chunk(request.numTokens - request.numComputedTokens, budget);
      if (numNewTokens === 0) {
        i++;
        continue;
      }
      let admitted = true;
      while (this.kvCacheManager.allocateSlots(request, numNewTokens) === null) {
        const victim = this.pickVictim(i);
        this.preempt(victim);
        preempted.push(victim.requestId);
        if (victim === request) {
          admitted = false;
          break;
        }
      }
      if (!admitted) break;
      scheduled.push(this.take(request, numNewTokens, false));
      budget -= numNewTokens;
      i++;
    }

    // Requests preempted this step would be readmitted at once (thrashing): wait for a step that frees blocks.
    while (preempted.length === 0 && budget > 0 && this.running.length < this.config.maxNumSeqs) {
      const request = this.waiting.peek();
      if (!request) break;
      const hit = this.kvCacheManager.getComputedBlocks(request, request.skipPrefixCache);
      const remaining = request.numTokens - hit.numComputedTokens;
      if (!this.chunked && remaining > budget) break;
      const numNewTokens = this.chunk(remaining, budget);
      if (this.kvCacheManager.allocateSlots(request, numNewTokens, hit.numComputedTokens, hit.blocks) === null) break;
      this.waiting.pop();
      this.kvCacheManager.recordPrefixCacheLookup(request.numTokens, hit.numComputedTokens);
      this.running.push(request);
      request.status = 'running';
      request.numComputedTokens = hit.numComputedTokens;
      if (request.numCachedTokens < 0) request.numCachedTokens = hit.numComputedTokens;
      request.firstScheduledTime ??= nowMs();
      scheduled.push(this.take(request, numNewTokens, true));
      budget -= numNewTokens;
    }

    const totalNumScheduledTokens = this.config.maxNumBatchedTokens - budget;
    this.lastStats = { numScheduledTokens: totalNumScheduledTokens, numPreempted: preempted.length };
    const finishedRequestIds = this.finishedIds;
    this.finishedIds = [];
    return { step: this.stepCount++, scheduled, totalNumScheduledTokens, preemptedRequestIds: preempted, finishedRequestIds };
  }

  /** Applies a step's sampled tokens and token stop conditions; returns each request's news. */
  update(schedulerOutput: SchedulerOutput, runnerOutput: ModelRunnerOutput): EngineCoreOutput[] {
    const outputs: EngineCoreOutput[] = [];
    schedulerOutput.scheduled.forEach((s, idx) => {
      const request = this.requests.get(s.request.requestId);
      if (!request || request.status !== 'running') return;
      const newPromptLogprobs = this.collectPromptLogprobs(request, s, runnerOutput.promptLogprobs[idx] ?? null);
      const sampled = runnerOutput.sampledTokenIds[idx] ?? [];
      const newTokenIds: number[] = [];
      let stop = null;
      for (const token of sampled) {
        request.appendOutputTokenIds([token]);
        newTokenIds.push(token);
        if ((stop = checkTokenStop(request))) break;
      }
      if (newTokenIds.length === 0 && newPromptLogprobs === null) return;
      if (stop) this.finishRequest(request.requestId);
      const logprobs = runnerOutput.logprobs[idx];
      outputs.push({
        requestId: request.requestId,
        newTokenIds,
        newLogprobs: logprobs && newTokenIds.length > 0 ? [logprobs] : null,
        newPromptLogprobs,
        finishReason: stop?.reason ?? null,
        stopReason: stop?.stopReason ?? null,
        firstScheduledTime: request.firstScheduledTime,
        numCachedTokens: Math.max(0, request.numCachedTokens),
      });
    });
    return outputs;
  }

  /** Ends a request wherever it is (waiting, running or preempted) and frees its blocks. False if unknown. */
  finishRequest(requestId: string): boolean {
    const request = this.requests.get(requestId);
    if (!request) return false;
    if (request.status === 'running') this.running.splice(this.running.indexOf(request), 1);
    else this.waiting.remove(request);
    this.kvCacheManager.free(requestId);
    request.status = 'finished';
    this.requests.delete(requestId);
    this.finishedIds.push(requestId);
    return true;
  }

  stats(): SchedulerStats {
    return {
      numRunning: this.running.length,
      numWaiting: this.waiting.length,
      kvCacheUsage: this.kvCacheManager.usage,
      prefixCache: this.kvCacheManager.takePrefixCacheStats(),
      ...this.lastStats,
    };
  }

  private chunk(numTokens: number, budget: number): number {
    const capped = this.threshold > 0 ? Math.min(numTokens, this.threshold) : numTokens;
    return Math.min(capped, budget);
  }

  private take(request: Request, numScheduledTokens: number, isNew: boolean): ScheduledRequest {
    const s: ScheduledRequest = {
      request,
      numComputedTokens: request.numComputedTokens,
      numScheduledTokens,
      blockIds: this.kvCacheManager.getBlockIds(request.requestId),
      isNew,
    };
    request.numComputedTokens += numScheduledTokens;
    return s;
  }

  /** The running request the policy would schedule last, among those not yet scheduled this step. */
  private pickVictim(from: number): Request {
    let victim = this.running[from]!;
    for (let j = from + 1; j < this.running.length; j++) {
      if (this.waiting.compare(this.running[j]!, victim) >= 0) victim = this.running[j]!;
    }
    return victim;
  }

  private preempt(request: Request): void {
    this.running.splice(this.running.indexOf(request), 1);
    this.kvCacheManager.free(request.requestId);
    request.status = 'preempted';
    request.numComputedTokens = 0;
    request.numPreemptions++;
    this.waiting.add(request);
  }

  /** Prompt logprobs of positions not seen before (a recomputed prefill after preemption repeats some). */
  private collectPromptLogprobs(request: Request, s: ScheduledRequest, chunk: readonly PositionLogprobs[] | null):
    PositionLogprobs[] | null {
    if (chunk === null) return null;
    const fresh: PositionLogprobs[] = [];
    chunk.forEach((entry, k) => {
      if (s.numComputedTokens + 1 + k === request.numPromptLogprobPositions) {
        request.numPromptLogprobPositions++;
        fresh.push(entry);
      }
    });
    return fresh.length > 0 ? fresh : null;
  }
}
