import type { LoadProgress } from '../models/causal-lm-options.js';
import { loadCausalLM } from '../models/load-causal-lm.js';
import { tokenizerOfModelFiles } from '../tokenizer/load-tokenizer.js';
import type { EngineOptions } from './engine-config.js';
import type { EngineModel } from './engine-model.js';

export interface LoadEngineModelOptions {
  /** A Hugging Face folder or a GGUF file. */
  readonly modelPath: string;
  /** Serve without a tokenizer (token ids only). */
  readonly skipTokenizer?: boolean;
  /** Weight-loading progress (in-process callers only: functions do not cross to the worker). */
  readonly onProgress?: (progress: LoadProgress) => void;
}

/** Model factory (see ModelFactorySpec) for real models: the registered architecture and the model's tokenizer. */
export async function createEngineModel(options: LoadEngineModelOptions, engine: EngineOptions = {}): Promise<EngineModel> {
  const { model, files, platform } = await loadCausalLM(options.modelPath, {
    maxNumBatchedTokens: engine.maxNumBatchedTokens,
    maxModelLen: engine.maxModelLen,
    maxNumSeqs: engine.maxNumSeqs,
    enforceEager: engine.enforceEager,
    onProgress: options.onProgress,
  });
  return { model, tokenizer: options.skipTokenizer ? null : tokenizerOfModelFiles(files), platform: platform.name };
}
