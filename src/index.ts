/** hipserve's public API: the offline LLM, the engine client, the server factory, loaders and the kernels' addon. */
export { LLM, type LLMOptions, type PromptInput } from './llm/llm.js';
export type { CompletionResult, GenerationResult } from './llm/completion-result.js';
export { EngineClient } from './engine/engine-client.js';
export type { RequestOutput, CompletionOutput } from './engine/request-output.js';
export type { SamplingParams, SamplingParamsInit } from './sampling/sampling-params.js';
export { buildApp } from './server/app.js';
export { loadModelFiles } from './loader/load-model.js';
export type { ModelConfig } from './loader/model-config.js';
export { loadTokenizer } from './tokenizer/load-tokenizer.js';
export type { Tokenizer } from './tokenizer/tokenizer.js';
export type { Platform } from './platforms/platform.js';
export { HipserveError, ModelFileError } from './errors.js';
export { loadAddon, type NativeAddon, type NativeOps } from '../bindings/addon.js';
