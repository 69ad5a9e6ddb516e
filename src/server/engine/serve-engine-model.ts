/**
 * The model factory `hipserve serve` gives the engine worker (see ModelFactorySpec): the model and its tokenizer,
 * with loading progress posted on a BroadcastChannel so the main thread can draw a bar.
 */
import { BroadcastChannel } from 'node:worker_threads';

import type { EngineOptions } from '../../engine/engine-config.js';
import type { EngineModel } from '../../engine/engine-model.js';
import { loadCausalLM } from '../../models/load-causal-lm.js';
import { tokenizerOfModelFiles } from '../../tokenizer/load-tokenizer.js';

export interface ServeModelOptions {
  readonly modelPath: string;
  /** BroadcastChannel name for LoadProgress messages; null: none. */
  readonly progressChannel: string | null;
}

export async function createServeEngineModel(options: ServeModelOptions, engine: EngineOptions = {}): Promise<EngineModel> {
  const channel = options.progressChannel ? new BroadcastChannel(options.progressChannel) : null;
  try {
    const { model, files } = await loadCausalLM(options.modelPath, {
      maxNumBatchedTokens: engine.maxNumBatchedTokens,
      maxModelLen: engine.maxModelLen,
      onProgress: (progress) => channel?.postMessage(progress),
    });
    return { model, tokenizer: tokenizerOfModelFiles(files) };
  } finally {
    channel?.close();
  }
}
