import { HipserveError } from '../errors.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { nowMs } from './clock.js';
import { loadAddon } from '../../bindings/addon.js';
import type { CausalLM } from '../models/forward-batch.js';
import { nativeSamplingKernels } from '../sampling/native-sampling-kernels.js';
import type { SamplingKernels } from '../sampling/sampling-kernels.js';
import type { EngineOptions } from './engine-config.js';
import { EngineCore, type StepStats } from './engine-core.js';
import { childRequestId, type EngineRequest } from './engine-request.js';
import { OutputProcessor } from './output-processor.js';
import type { RequestDelta } from './request-output.js';

export interface EngineStep {
  readonly deltas: RequestDelta[];
  readonly stats: StepStats;
}

/**
 * The engine as the worker thread runs it: the engine core plus output processing. A request with n choices runs as
 * n engine-core requests with the same prompt, so the prefix cache shares the prompt's full blocks between them;
 * seeded choices get seeds seed, seed + 1, ...
 */
export class LLMEngine {
  private readonly processor: OutputProcessor;

  /**
   * Sizes the model's KV cache from the options and builds the engine core over it, sampling with the addon's
   * kernels unless `nativeSampling` is false (or the addon lacks them: then the TypeScript ones).
   */
  static create(model: CausalLM, tokenizer: Tokenizer | null, options: EngineOptions, nativeSampling = true): LLMEngine {
    return new LLMEngine(EngineCore.create(model, options, { samplingKernels: nativeSampling ? addonSamplingKernels() : undefined }),
      tokenizer);
  }

  constructor(readonly core: EngineCore, private readonly tokenizer: Tokenizer | null) {
    this.processor = new OutputProcessor(tokenizer);
  }

  hasUnfinishedRequests(): boolean {
    return this.core.hasUnfinishedRequests();
  }

  addRequest(request: EngineRequest): void {
    const { requestId, promptTokenIds, samplingParams: params } = request;
    if (this.processor.has(requestId)) {
      throw new HipserveError('invalid_request', `request id ${requestId} is already in use`, 'request_id');
    }
    const vocab = this.core.vocabSize;
    const bad = promptTokenIds.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad >= 0) throw new HipserveError('invalid_request', `prompt token ${bad} (${promptTokenIds[bad]}) is not in [0, ${vocab})`, 'prompt');
    if (params.stop.length > 0 && !this.tokenizer) {
      throw new HipserveError('invalid_request', 'stop strings need a tokenizer; this engine has none', 'stop');
    }
    const childIds = Array.from({ length: params.n }, (_, i) => childRequestId(requestId, i, params.n));
    // Only choice 0 computes prompt logprobs (the output processor reports its); the others may hit the prefix cache.
    childIds.forEach((childId, i) => {
      this.core.addRequest({
        ...request,
        requestId: childId,
        samplingParams: { ...params, n: 1, seed: params.seed === null ? null : params.seed + i,
          promptLogprobs: i === 0 ? params.promptLogprobs : null },
      });
    });
    this.processor.addRequest(requestId, params, promptTokenIds, request.arrivalTime, childIds);
  }

  /** Aborts a request's unfinished choices; returns its last delta (null if it was unknown or finished). */
  abort(requestId: string): RequestDelta | null {
    const coreOutputs = this.core.finishRequests(this.processor.unfinishedChildIds(requestId), 'abort');
    return this.processor.process(coreOutputs, nowMs()).deltas[0] ?? null;
  }

  step(): EngineStep {
    const { outputs, stats } = this.core.step();
    const { deltas, stoppedByString } = this.processor.process(outputs, nowMs());
    for (const { requestId, stop } of stoppedByString) this.core.finishRequests([requestId], 'stop', stop);
    return { deltas, stats };
  }

  dispose(): void {
    this.core.dispose();
  }
}

function addonSamplingKernels(): SamplingKernels | undefined {
  try {
    return nativeSamplingKernels(loadAddon().ops) ?? undefined;
  } catch {
    return undefined;
  }
}
