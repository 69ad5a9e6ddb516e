/**
 * The model factory `hipserve serve` gives the engine worker (see ModelFactorySpec): createEngineModel (the model,
 * its tokenizer and platform, every engine option applied), with loading progress posted on a BroadcastChannel so
 * the main thread can draw a bar.
 */
import { BroadcastChannel } from 'node:worker_threads';

import type { EngineOptions } from '../../engine/engine-config.js';
import type { EngineModel } from '../../engine/engine-model.js';
import { createEngineModel } from '../../engine/load-engine-model.js';

export interface ServeModelOptions {
  readonly modelPath: string;
  /** BroadcastChannel name for LoadProgress messages; null: none. */
  readonly progressChannel: string | null;
}

export async function createServeEngineModel(options: ServeModelOptions, engine: EngineOptions = {}): Promise<EngineModel> {
  const channel = options.progressChannel ? new BroadcastChannel(options.progressChannel) : null;
  try {
    return await createEngineModel({ modelPath: options.modelPath, onProgress: (progress) => channel?.postMessage(progress) },
      engine);
  } finally {
    channel?.close();
  }
}
