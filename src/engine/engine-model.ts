import type { CausalLM } from '../models/forward-batch.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { EngineOptions } from './engine-config.js';

/** What an engine serves: a model and (for text output and stop strings) its tokenizer. */
export interface EngineModel {
  readonly model: CausalLM;
  readonly tokenizer: Tokenizer | null;
  /** The hardware platform the model runs on (cpu, cuda, rocm, …), when known. */
  readonly platform?: string;
}

/** A function building the engine's model inside the worker thread. */
export type EngineModelFactory = (options: unknown, engine: EngineOptions) => EngineModel | Promise<EngineModel>;

/**
 * Where the worker finds its model factory: a compiled ES module (absolute path or file: URL) and its export
 * (default `createEngineModel`), called with `options` (structured-clonable) and the engine options.
 *   { module: '/app/node_modules/hipserve/dist/src/engine/load-engine-model.js', options: { modelPath: '...' } }
 */
export interface ModelFactorySpec {
  readonly module: string;
  readonly exportName?: string;
  readonly options?: unknown;
}
