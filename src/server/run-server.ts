import type { AddressInfo } from 'node:net';

import type { EngineOptions } from '../engine/engine-config.js';
import { HipserveError } from '../errors.js';
import { loadTokenizer } from '../tokenizer/load-tokenizer.js';
import { buildApp } from './app.js';
import { formatConfig } from './config/format-config.js';
import type { ServeOptions } from './config/serve-options.js';
import { ClientServingEngine } from './engine/client-serving-engine.js';
import { startEngine } from './engine/start-engine.js';
import { readHubEnv } from './hub/hub-env.js';
import { resolveModel } from './hub/resolve-model.js';
import { plainLogger } from './plain-logger.js';
import { downloadProgressBar, loadProgressBar } from './progress-bar.js';
import { loadChatTemplateOption } from './serving/chat-prompt.js';
import { loadSamplingDefaults } from './serving/generation-defaults.js';
import { installShutdown } from './shutdown.js';

/** Refuses what this build cannot honour instead of silently ignoring it. */
function checkSupported(options: ServeOptions): void {
  if (options.tensorParallelSize !== 1) {
    throw new HipserveError('unsupported', `--tensor-parallel-size ${options.tensorParallelSize}: this build serves on one device; use 1`);
  }
  if (options.kvCacheDtype !== 'auto') {
    throw new HipserveError('unsupported', `--kv-cache-dtype ${options.kvCacheDtype} is not supported yet; use auto`);
  }
  if (!['auto', 'float', 'float32'].includes(options.dtype)) {
    throw new HipserveError('unsupported', `--dtype ${options.dtype} is not supported on this platform yet; use auto or float32`);
  }
}

export function engineOptions(o: ServeOptions): EngineOptions {
  const out: EngineOptions = { enablePrefixCaching: o.enablePrefixCaching };
  if (o.maxModelLen !== null) out.maxModelLen = o.maxModelLen;
  if (o.maxNumSeqs !== null) out.maxNumSeqs = o.maxNumSeqs;
  if (o.maxNumBatchedTokens !== null) out.maxNumBatchedTokens = o.maxNumBatchedTokens;
  if (o.numGpuBlocksOverride !== null) out.numGpuBlocksOverride = o.numGpuBlocksOverride;
  if (o.kvCacheMemory !== null) out.kvCacheMemoryBytes = o.kvCacheMemory;
  if (o.blockSize !== null) out.blockSize = o.blockSize;
  out.gpuMemoryUtilization = o.gpuMemoryUtilization;
  if (o.enforceEager) out.enforceEager = true;
  return out;
}

/**
 * `hipserve serve`: resolves (and if need be downloads) the model, starts the engine worker with a progress bar,
 * prints the configuration, serves HTTP until SIGINT/SIGTERM, then drains and exits.
 */
export async function runServer(options: ServeOptions, version = 'unknown'): Promise<void> {
  checkSupported(options);
  const log = plainLogger(process.stderr, 'info');
  const chatTemplate = options.chatTemplate ? loadChatTemplateOption(options.chatTemplate) : null;
  const model = await resolveModel(options.model, readHubEnv(), { progress: downloadProgressBar() });
  if (options.trustRemoteCode) log.info('--trust-remote-code accepted: hipserve never runs model code');
  const samplingDefaults = loadSamplingDefaults(options.generationConfig, model.modelPath);
  const tokenizer = loadTokenizer(model.modelPath);

  const onProgress = loadProgressBar();
  const client = await startEngine(model.modelPath, engineOptions(options), options.maxLogprobs, onProgress)
    .finally(() => onProgress({ stage: 'ready', done: 1, total: 1 }));
  const engine = new ClientServingEngine(client);
  const modelNames = options.servedModelName?.length ? options.servedModelName : [model.name];
  const app = await buildApp({
    engine, tokenizer, modelNames, modelPath: model.modelPath, chatTemplate, samplingDefaults,
    maxLogprobs: options.maxLogprobs, apiKeys: options.apiKey, seed: options.seed, logger: log,
    logRequests: !options.disableLogRequests, version,
  });
  process.stderr.write(formatConfig(options, model, engine.limits, modelNames, chatTemplate !== null || Object.keys(tokenizer.chatTemplates).length > 0));
  installShutdown(app, engine, log);
  await app.listen({ host: options.host, port: options.port });
  const { port } = app.server.address() as AddressInfo;
  const shown = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  log.info(`serving ${modelNames.join(', ')} on http://${shown.includes(':') ? `[${shown}]` : shown}:${port} (OpenAI API under /v1)`);
}
