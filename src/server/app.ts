import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';

import type { ChatTemplate } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { apiKeyAuth } from './plugins/api-key-auth.js';
import { errorHandler } from './plugins/error-handler.js';
import { chatCompletionsRoute } from './routes/chat-completions.js';
import { completionsRoute } from './routes/completions.js';
import { infoRoutes } from './routes/info.js';
import { unixSeconds } from './routes/route-helpers.js';
import { tokenizeRoutes } from './routes/tokenize.js';
import type { ServingEngine } from './serving/engine-port.js';
import type { SamplingDefaults } from './serving/request-sampling.js';
import { seedSequence } from './serving/seed-sequence.js';
import type { ServingContext } from './serving-context.js';

export interface AppOptions {
  readonly engine: ServingEngine;
  readonly tokenizer: Tokenizer;
  /** Names clients may use for the model; the first is the default. */
  readonly modelNames: readonly string[];
  readonly modelPath?: string;
  /** Replaces the model's chat template (`--chat-template`). */
  readonly chatTemplate?: ChatTemplate | null;
  readonly samplingDefaults?: SamplingDefaults;
  /** `--seed`: requests without a seed get one from a sequence this starts. */
  readonly seed?: number | null;
  /** Largest logprobs / top_logprobs a request may ask for (default 20). */
  readonly maxLogprobs?: number;
  /** Keys that unlock /v1 (`--api-key`); none: open. */
  readonly apiKeys?: readonly string[];
  /** Where the app logs (default: nowhere). Fastify's per-request lines are off; generation requests log their own. */
  readonly logger?: FastifyBaseLogger;
  /** Log one line per generation request (default true). */
  readonly logRequests?: boolean;
  /** Largest request body in bytes (default 32 MiB); larger gets 413. */
  readonly bodyLimit?: number;
  readonly version?: string;
  /** Metrics registry; by default one is made for this app. */
  readonly metrics?: ServerMetrics;
}

/** The OpenAI-compatible HTTP API over one engine, as a Fastify app (not yet listening). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 32 * 2 ** 20,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, verbose: true } },
  });
  // curl -d sends form-urlencoded unless told otherwise; the body is still JSON, so read it as JSON.
  app.addContentTypeParser(['text/plain', 'application/x-www-form-urlencoded'], { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'));

  const limits = opts.engine.limits;
  const metrics = opts.metrics ?? new ServerMetrics({
    modelName: opts.modelNames[0]!,
    maxModelLen: limits.maxModelLen,
    maxNumBatchedTokens: limits.maxNumBatchedTokens,
    gauges: () => opts.engine.gauges(),
    cacheConfig: {
      block_size: limits.blockSize,
      num_gpu_blocks: limits.numKvBlocks,
      enable_prefix_caching: limits.enablePrefixCaching,
    },
  });
  const unsubscribe = opts.engine.onStep?.((step) => metrics.recordStep(step));
  if (unsubscribe) app.addHook('onClose', async () => unsubscribe());

  const ctx: ServingContext = {
    engine: opts.engine,
    limits,
    tokenizer: opts.tokenizer,
    modelNames: opts.modelNames,
    modelPath: opts.modelPath ?? opts.modelNames[0]!,
    chatTemplate: opts.chatTemplate ?? null,
    sampling: {
      vocabSize: limits.vocabSize,
      maxLogprobs: opts.maxLogprobs ?? 20,
      defaults: opts.samplingDefaults ?? {},
      nextSeed: opts.seed == null ? null : seedSequence(opts.seed),
    },
    metrics,
    logRequests: opts.logRequests ?? true,
    version: opts.version ?? 'unknown',
    startedAt: unixSeconds(),
  };

  await app.register(errorHandler);
  await app.register(apiKeyAuth, { apiKeys: opts.apiKeys ?? [] });
  await app.register(infoRoutes, ctx);
  await app.register(tokenizeRoutes, ctx);
  await app.register(completionsRoute, ctx);
  await app.register(chatCompletionsRoute, ctx);
  return app;
}
