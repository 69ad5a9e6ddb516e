import { KVCacheManager } from '../kvcache/kv-cache-manager.js';
import { FULL_ATTENTION, type KVCacheSpec } from '../kvcache/kv-cache-spec.js';
import type { CausalLM } from '../models/forward-batch.js';
import type { SamplingKernels } from '../sampling/sampling-kernels.js';
import { CausalLMRunner } from './causal-lm-runner.js';
import { resolveEngineConfig, type EngineConfig, type EngineOptions } from './engine-config.js';
import type { ModelRunner } from './model-runner.js';
import { Request, type EngineCoreRequest, type FinishReason } from './request.js';
import { Scheduler } from './scheduler.js';
import type { EngineCoreOutput } from './scheduler-output.js';
import type { SchedulerStats } from './scheduler-stats.js';

export interface StepStats extends SchedulerStats {
  readonly step: number;
  /** Scheduler time of the step: schedule() plus update(), without the model runner. */
  readonly schedulerMs: number;
  /** Model runner time: inputs, forward pass and sampling. */
  readonly executeMs: number;
  /** The model's forward pass alone. */
  readonly forwardMs: number;
  readonly stepMs: number;
}

export interface StepResult {
  readonly outputs: EngineCoreOutput[];
  readonly stats: StepStats;
}

/** The engine core loop: schedule → model runner → update. Synchronous; the worker thread drives it. */
export class EngineCore {
  private readonly eosTokenIds: readonly number[];

  constructor(readonly config: EngineConfig, readonly scheduler: Scheduler, readonly runner: ModelRunner,
    eosTokenIds: readonly number[]) {
    this.eosTokenIds = eosTokenIds;
  }

  /** Sizes and allocates the model's KV cache from the options and wires scheduler and runner to it. */
  static create(model: CausalLM, options: EngineOptions,
    extra: { samplingKernels?: SamplingKernels; kvCacheGroups?: readonly KVCacheSpec[] } = {}): EngineCore {
    const config = resolveEngineConfig(options, {
      maxPositionEmbeddings: model.config.maxPositionEmbeddings,
      kvCacheBytesPerBlock: (bs) => model.kvCacheBytesPerBlock(bs),
      kvCacheMemoryBudget: model.kvCacheMemoryBudget ? (u) => model.kvCacheMemoryBudget!(u) : undefined,
    });
    model.allocateKvCache(config.numBlocks, config.blockSize);
    // The model's forward reads group 0's block table; further groups (sliding window, latent) come with models that use them.
    const groups = extra.kvCacheGroups ?? [FULL_ATTENTION];
    const kv = new KVCacheManager({ numBlocks: config.numBlocks, blockSize: config.blockSize, groups },
      { enableCaching: config.enablePrefixCaching, maxModelLen: config.maxModelLen });
    const scheduler = new Scheduler(config, kv);
    const eos = model.config.eosTokenIds;
    const runner = new CausalLMRunner(model, { ...config, eosTokenIds: eos, samplingKernels: extra.samplingKernels });
    return new EngineCore(config, scheduler, runner, eos);
  }

  get vocabSize(): number {
    return this.runner.vocabSize;
  }

  addRequest(init: EngineCoreRequest): void {
    this.scheduler.addRequest(new Request(init, {
      hashBlockSize: this.config.enablePrefixCaching ? this.config.blockSize : null,
      maxModelLen: this.config.maxModelLen,
      eosTokenIds: this.eosTokenIds,
    }));
  }

  /** Ends requests wherever they are; returns an output for each one that was still unfinished. */
  finishRequests(requestIds: Iterable<string>, reason: FinishReason, stopReason: string | number | null = null):
    EngineCoreOutput[] {
    const outputs: EngineCoreOutput[] = [];
    for (const requestId of requestIds) {
      const request = this.scheduler.getRequest(requestId);
      if (!request || !this.scheduler.finishRequest(requestId)) continue;
      outputs.push({ requestId, newTokenIds: [], newLogprobs: null, newPromptLogprobs: null, finishReason: reason, stopReason,
        firstScheduledTime: request.firstScheduledTime, numCachedTokens: Math.max(0, request.numCachedTokens) });
    }
    return outputs;
  }

  hasUnfinishedRequests(): boolean {
    return this.scheduler.hasUnfinishedRequests();
  }

  step(): StepResult {
    const t0 = performance.now();
    const schedulerOutput = this.scheduler.schedule();
    const t1 = performance.now();
    const runnerOutput = this.runner.execute(schedulerOutput);
    const t2 = performance.now();
    const outputs = this.scheduler.update(schedulerOutput, runnerOutput);
    const t3 = performance.now();
    return {
      outputs,
      stats: {
        ...this.scheduler.stats(),
        step: schedulerOutput.step,
        schedulerMs: t1 - t0 + (t3 - t2),
        executeMs: t2 - t1,
        forwardMs: this.runner.lastTimings.forwardMs,
        stepMs: t3 - t0,
      },
    };
  }

  dispose(): void {
    this.runner.dispose();
  }
}
