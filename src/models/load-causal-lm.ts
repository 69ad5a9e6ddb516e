import { loadModelFiles, type ModelFiles } from '../loader/load-model.js';
import type { DiscoveryOptions } from '../platforms/discover-plugins.js';
import { loadGeneralPlugins } from '../platforms/load-general-plugins.js';
import type { Platform } from '../platforms/platform.js';
import { resolvePlatform } from '../platforms/resolve-platform.js';
import { createModelRegistry } from './builtin-models.js';
import type { CausalLMOptions } from './causal-lm-options.js';
import type { CausalLM } from './forward-batch.js';
import type { ModelRegistry } from './model-registry.js';

export interface LoadCausalLMOptions extends CausalLMOptions {
  /** Plugin discovery (application root, environment). */
  plugins?: DiscoveryOptions;
  /** Skips platform discovery. */
  platform?: Platform;
  /** Skips general plugins: this registry is used as it is. */
  registry?: ModelRegistry;
}

export interface LoadedCausalLM {
  readonly model: CausalLM;
  /** The files it came from (tokenizer data lives beside them). */
  readonly files: ModelFiles;
  readonly platform: Platform;
}

/**
 * Opens a Hugging Face folder or GGUF file, resolves the platform, and builds the model the registry names for
 * config.architecture (general plugins may have replaced it).
 */
export async function loadCausalLM(modelPath: string, options: LoadCausalLMOptions = {}): Promise<LoadedCausalLM> {
  const { onProgress } = options;
  const platform = options.platform ?? await resolvePlatform(options.plugins);
  let registry = options.registry;
  if (!registry) {
    registry = createModelRegistry();
    await loadGeneralPlugins({ modelRegistry: registry }, options.plugins);
  }
  onProgress?.({ stage: 'files', done: 0, total: 1 });
  const files = loadModelFiles(modelPath);
  onProgress?.({ stage: 'files', done: 1, total: 1 });
  const factory = registry.resolve(files.config.architecture);
  const kernels = platform.createKernelContext();
  const model = await factory({ config: files.config, weights: files.weights, platform, kernels, options });
  onProgress?.({ stage: 'ready', done: 1, total: 1 });
  return { model, files, platform };
}
