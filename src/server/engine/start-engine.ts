import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';

import { EngineClient } from '../../engine/engine-client.js';
import type { EngineOptions } from '../../engine/engine-config.js';
import type { LoadProgress } from '../../models/causal-lm-options.js';
import { hipserveRoot } from '../../platforms/package-root.js';
import type { ServeModelOptions } from './serve-engine-model.js';

/** The compiled factory module (the worker runs plain JavaScript, also when this module runs from src/ in tests). */
function factoryModule(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? path.join(hipserveRoot(), 'dist', 'src', 'server', 'engine', 'serve-engine-model.js')
    : path.join(path.dirname(here), 'serve-engine-model.js');
}

/** Starts the engine worker on `modelPath`; `onProgress` hears how loading goes. */
export async function startEngine(modelPath: string, engine: EngineOptions, maxLogprobs?: number,
  onProgress: (progress: LoadProgress) => void = () => {}): Promise<EngineClient> {
  const channelName = `hipserve-load-${randomUUID()}`;
  const channel = new BroadcastChannel(channelName);
  channel.onmessage = (event) => onProgress((event as { data: LoadProgress }).data);
  try {
    const options: ServeModelOptions = { modelPath, progressChannel: channelName };
    return await EngineClient.start({ model: { module: factoryModule(), exportName: 'createServeEngineModel', options }, engine,
      maxLogprobs });
  } finally {
    channel.close();
  }
}
