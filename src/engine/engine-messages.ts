import type { ErrorCode } from '../errors.js';
import type { EngineConfig, EngineOptions } from './engine-config.js';
import type { StepStats } from './engine-core.js';
import type { ModelFactorySpec } from './engine-model.js';
import type { EngineRequest } from './engine-request.js';
import type { RequestDelta } from './request-output.js';

/** workerData of the engine worker. */
export interface EngineWorkerData {
  readonly model: ModelFactorySpec;
  readonly engine: EngineOptions;
  /** Use the addon's sampling kernels when it has them (default true). */
  readonly nativeSampling?: boolean;
  /** Threads of the addon's CPU thread pool in this process (default: leave it as it is, one per core). */
  readonly numThreads?: number;
}

export interface EngineInfo {
  readonly config: EngineConfig;
  readonly vocabSize: number;
  readonly eosTokenIds: readonly number[];
  readonly hasTokenizer: boolean;
  readonly platform?: string;
}

export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly param: string | null;
}

export type ToWorker =
  | { readonly type: 'add'; readonly request: EngineRequest }
  | { readonly type: 'abort'; readonly requestId: string }
  /** Finish what is in flight, then exit. */
  | { readonly type: 'drain' };

export type FromWorker =
  | { readonly type: 'ready'; readonly info: EngineInfo }
  | { readonly type: 'outputs'; readonly deltas: readonly RequestDelta[]; readonly stats: StepStats | null }
  /** A request the engine refused (requestId set) or a failure of the whole engine (requestId null). */
  | { readonly type: 'error'; readonly requestId: string | null; readonly error: SerializedError }
  | { readonly type: 'drained' };
