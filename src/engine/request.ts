import { appendBlockHashes, type BlockHash } from '../kvcache/block-hash.js';
import type { KVCacheRequest } from '../kvcache/single-type-manager.js';
import type { SamplingParams } from '../sampling/sampling-params.js';

export type RequestStatus = 'waiting' | 'running' | 'preempted' | 'finished';

/** Why an output ended: a stop condition (EOS, stop token or string), its length limit, or an abort. */
export type FinishReason = 'stop' | 'length' | 'abort';

/** What the engine core is asked to run: one completion (a request with n > 1 arrives as n of these). */
export interface EngineCoreRequest {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  readonly samplingParams: SamplingParams;
  /** Epoch milliseconds; first come, first served orders by it. */
  readonly arrivalTime: number;
  /** Lower runs first under the priority policy, and breaks arrival ties under FCFS. Default 0. */
  readonly priority?: number;
  /** Mixed into every block hash: adapter name, cache salt, image hashes. */
  readonly extraKeys?: readonly string[] | null;
}

/** The read-only face of a request that the scheduler hands to the model runner. */
export interface RequestView {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  readonly outputTokenIds: readonly number[];
  /** Prompt then output tokens. */
  readonly allTokenIds: readonly number[];
  readonly numPromptTokens: number;
  readonly numTokens: number;
  readonly samplingParams: SamplingParams;
}

export interface RequestOptions {
  /** Hash full blocks of this size for the prefix cache; null when prefix caching is off. */
  readonly hashBlockSize: number | null;
  readonly maxModelLen: number;
  readonly eosTokenIds: readonly number[];
}

/** The engine core's mutable state of one request. */
export class Request implements KVCacheRequest, RequestView {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  readonly samplingParams: SamplingParams;
  readonly arrivalTime: number;
  readonly priority: number;
  readonly extraKeys: readonly string[] | null;
  readonly eosTokenIds: readonly number[];
  /** Output tokens allowed: max_tokens, cut to what the context leaves. */
  readonly maxTokens: number;
  readonly allTokenIds: number[];
  readonly outputTokenIds: number[] = [];
  readonly blockHashes: BlockHash[] = [];
  status: RequestStatus = 'waiting';
  numComputedTokens = 0;
  /** Prompt tokens served from the prefix cache at first scheduling; -1 until then. */
  numCachedTokens = -1;
  numPreemptions = 0;
  /**
   * Prompt positions whose logprobs were reported (position 0 has none), so that a prefill recomputed after a
   * preemption reports none twice.
   */
  numPromptLogprobPositions = 1;
  firstScheduledTime: number | null = null;
  private readonly hashBlockSize: number | null;

  constructor(init: EngineCoreRequest, options: RequestOptions) {
    this.requestId = init.requestId;
    this.promptTokenIds = init.promptTokenIds;
    this.samplingParams = init.samplingParams;
    this.arrivalTime = init.arrivalTime;
    this.priority = init.priority ?? 0;
    this.extraKeys = init.extraKeys ?? null;
    this.eosTokenIds = options.eosTokenIds;
    this.maxTokens = Math.min(init.samplingParams.maxTokens ?? Infinity, options.maxModelLen - init.promptTokenIds.length);
    this.allTokenIds = [...init.promptTokenIds];
    this.hashBlockSize = options.hashBlockSize;
    this.updateBlockHashes();
  }

  get numTokens(): number {
    return this.allTokenIds.length;
  }

  get numPromptTokens(): number {
    return this.promptTokenIds.length;
  }

  /** Prompt logprobs need every prompt position's logits, so such requests bypass prefix-cache hits. */
  get skipPrefixCache(): boolean {
    return this.samplingParams.promptLogprobs !== null;
  }

  appendOutputTokenIds(tokenIds: readonly number[]): void {
    for (const id of tokenIds) {
      this.outputTokenIds.push(id);
      this.allTokenIds.push(id);
    }
    this.updateBlockHashes();
  }

  private updateBlockHashes(): void {
    if (this.hashBlockSize !== null) appendBlockHashes(this.blockHashes, this.allTokenIds, this.hashBlockSize, this.extraKeys);
  }
}
