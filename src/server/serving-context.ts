import type { ChatTemplate } from '../tokenizer/chat-template.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { ServerMetrics } from './metrics/server-metrics.js';
import type { EngineLimits, ServingEngine } from './serving/engine-port.js';
import type { SamplingContext } from './serving/request-sampling.js';

/** What every route serves from: one model, its tokenizer and engine, and the server's settings. */
export interface ServingContext {
  readonly engine: ServingEngine;
  readonly limits: EngineLimits;
  readonly tokenizer: Tokenizer;
  /** Names clients may use; the first is reported by default. */
  readonly modelNames: readonly string[];
  /** Where the model was loaded from (reported as /v1/models' root). */
  readonly modelPath: string;
  /** `--chat-template`, which replaces the model's own. */
  readonly chatTemplate: ChatTemplate | null;
  readonly sampling: SamplingContext;
  readonly metrics: ServerMetrics;
  readonly logRequests: boolean;
  readonly version: string;
  /** Unix seconds. */
  readonly startedAt: number;
}
