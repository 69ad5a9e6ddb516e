/**
 * The offline API, like vLLM's LLM class: load a model once, then generate for a batch of prompts, which the
 * engine core schedules together (continuous batching, prefix caching) on the calling thread.
 *
 *   const llm = await LLM.load('../shared/models/stories260K/hf');
 *   const [result] = llm.generate('Once upon a time', { temperature: 0, maxTokens: 32 });
 */
import { loadAddon } from '../../bindings/addon.js';
import type { EngineOptions } from '../engine/engine-config.js';
import { LLMEngine } from '../engine/llm-engine.js';
import { nowMs } from '../engine/clock.js';
import { createEngineModel } from '../engine/load-engine-model.js';
import { HipserveError } from '../errors.js';
import type { LoadProgress } from '../models/causal-lm-options.js';
import type { CausalLM } from '../models/forward-batch.js';
import { resolveSamplingParams, type SamplingParamsInit } from '../sampling/sampling-params.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { GenerationAccumulator, type GenerationResult } from './completion-result.js';

export interface LLMOptions extends EngineOptions {
  /** CPU threads for the kernels (default: one per core). */
  numThreads?: number;
  /** Serve token ids only. */
  skipTokenizer?: boolean;
  onProgress?: (progress: LoadProgress) => void;
}

/** A prompt: text (tokenized with the model's special tokens, so BOS is added where the model wants it) or ids. */
export type PromptInput = string | { readonly promptTokenIds: readonly number[] };

export class LLM {
  private nextId = 0;

  private constructor(readonly engine: LLMEngine, readonly model: CausalLM, readonly tokenizer: Tokenizer | null) {}

  static async load(modelPath: string, options: LLMOptions = {}): Promise<LLM> {
    const { numThreads, skipTokenizer, onProgress, ...engineOptions } = options;
    if (numThreads !== undefined) loadAddon().setNumThreads(numThreads);
    const { model, tokenizer } = await createEngineModel({ modelPath, skipTokenizer, onProgress }, engineOptions);
    return new LLM(LLMEngine.create(model, tokenizer, engineOptions), model, tokenizer);
  }

  /** Generates for every prompt with the same sampling parameters; results come back in prompt order. */
  generate(prompts: PromptInput | readonly PromptInput[], params: SamplingParamsInit = {}): GenerationResult[] {
    const list = Array.isArray(prompts) ? prompts as readonly PromptInput[] : [prompts as PromptInput];
    const sampling = resolveSamplingParams(params, { vocabSize: this.model.config.vocabSize });
    const pending = new Map<string, GenerationAccumulator>();
    const ordered: GenerationAccumulator[] = [];
    for (const prompt of list) {
      const promptTokenIds = this.encode(prompt);
      const requestId = `llm-${this.nextId++}`;
      const acc = new GenerationAccumulator(requestId, typeof prompt === 'string' ? prompt : null, promptTokenIds, sampling.n);
      this.engine.addRequest({ requestId, promptTokenIds, samplingParams: sampling, arrivalTime: nowMs() });
      pending.set(requestId, acc);
      ordered.push(acc);
    }
    while (this.engine.hasUnfinishedRequests()) {
      for (const delta of this.engine.step().deltas) pending.get(delta.requestId)?.add(delta);
    }
    return ordered.map((acc) => acc.result());
  }

  dispose(): void {
    this.engine.dispose();
  }

  private encode(prompt: PromptInput): readonly number[] {
    if (typeof prompt !== 'string') return prompt.promptTokenIds;
    if (!this.tokenizer) throw new HipserveError('invalid_request', 'this model was loaded without a tokenizer: pass token ids', 'prompt');
    const ids = this.tokenizer.encode(prompt, { addSpecialTokens: true });
    if (ids.length === 0) {
      throw new HipserveError('invalid_request', 'the prompt is empty and the model adds no BOS token', 'prompt');
    }
    return ids;
  }
}
