import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { HipserveError } from '../errors.js';
import { hipserveRoot } from '../platforms/package-root.js';
import { resolveSamplingParams, type SamplingParams, type SamplingParamsInit } from '../sampling/sampling-params.js';
import { AsyncQueue } from './async-queue.js';
import { nowMs } from './clock.js';
import type { EngineOptions } from './engine-config.js';
import type { StepStats } from './engine-core.js';
import type { EngineInfo, EngineWorkerData, FromWorker, SerializedError, ToWorker } from './engine-messages.js';
import type { ModelFactorySpec } from './engine-model.js';
import { EngineStatsAccumulator, type EngineStats } from './engine-stats.js';
import { RequestOutputAssembler } from './request-output-assembler.js';
import type { RequestOutput } from './request-output.js';

export interface EngineClientOptions {
  readonly model: ModelFactorySpec;
  readonly engine?: EngineOptions;
  readonly nativeSampling?: boolean;
  /** Threads of the addon's CPU thread pool (default: one per core). */
  readonly numThreads?: number;
  /** The compiled worker entry; default dist/src/engine/engine-worker.js of this package. */
  readonly workerPath?: string;
  /** Largest logprobs / prompt_logprobs a request may ask for (default 20, vLLM's --max-logprobs). */
  readonly maxLogprobs?: number;
}

/** A request as a caller gives it. */
export interface GenerateRequest {
  /** Default: a random UUID. */
  readonly requestId?: string;
  readonly promptTokenIds: readonly number[];
  readonly samplingParams?: SamplingParams | SamplingParamsInit;
  readonly priority?: number;
  readonly extraKeys?: readonly string[] | null;
}

interface Stream {
  readonly queue: AsyncQueue<RequestOutput>;
  readonly assembler: RequestOutputAssembler;
}

/** The compiled worker beside this module, or in dist/ when this module runs from src/ (tests). */
function defaultWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts')
    ? path.join(hipserveRoot(), 'dist', 'src', 'engine', 'engine-worker.js')
    : path.join(path.dirname(here), 'engine-worker.js');
  if (!existsSync(file)) throw new HipserveError('engine_error', `${file} is missing: build hipserve first (npm run build)`);
  return file;
}

function toError(e: SerializedError): HipserveError {
  return new HipserveError(e.code, e.message, e.param);
}

/**
 * The main thread's handle on an engine running in a worker thread. `generate` yields a request's outputs as the
 * engine produces them; nothing here blocks for more than bookkeeping.
 */
export class EngineClient {
  private readonly streams = new Map<string, Stream>();
  private readonly statsAcc = new EngineStatsAccumulator();
  private readonly stepListeners = new Set<(stats: StepStats) => void>();
  private failure: HipserveError | null = null;
  private drained: Promise<void> | null = null;
  private resolveDrained: () => void = () => {};

  private constructor(private readonly worker: Worker, readonly info: EngineInfo, private readonly maxLogprobs?: number) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.failAll(new HipserveError('engine_error', `engine worker failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0) this.failAll(this.failure ?? new HipserveError('engine_error', `engine worker exited with code ${code}`));
      this.resolveDrained();
    });
  }

  /** Starts the worker and resolves once the model is loaded and the KV cache allocated. */
  static start(options: EngineClientOptions): Promise<EngineClient> {
    const data: EngineWorkerData = { model: options.model, engine: options.engine ?? {}, nativeSampling: options.nativeSampling,
      numThreads: options.numThreads };
    const worker = new Worker(options.workerPath ?? defaultWorkerPath(), { workerData: data });
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'ready') {
          cleanup();
          resolve(new EngineClient(worker, m.info, options.maxLogprobs));
        } else if (m.type === 'error') {
          cleanup();
          void worker.terminate();
          reject(toError(m.error));
        }
      };
      const onError = (e: Error): void => {
        cleanup();
        reject(new HipserveError('engine_error', `engine worker failed to start: ${e.message}`));
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new HipserveError('engine_error', `engine worker exited with code ${code} while starting`));
      };
      const cleanup = (): void => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
  }

  /**
   * Submits a request; its outputs arrive through the returned iterable, the last one with `finished`. Invalid
   * sampling parameters throw here (invalid_request naming the parameter); errors found by the engine (context
   * length, duplicate id) reject the iteration. Leaving the iteration early aborts the request.
   */
  generate(request: GenerateRequest): AsyncIterable<RequestOutput> {
    if (this.failure) throw this.failure;
    if (this.drained) throw new HipserveError('engine_error', 'the engine is shutting down');
    const requestId = request.requestId ?? randomUUID();
    if (this.streams.has(requestId)) throw new HipserveError('invalid_request', `request id ${requestId} is already in use`, 'request_id');
    const samplingParams = resolveSamplingParams(request.samplingParams ?? {},
      { vocabSize: this.info.vocabSize, maxLogprobs: this.maxLogprobs });
    if (samplingParams.stop.length > 0 && !this.info.hasTokenizer) {
      throw new HipserveError('invalid_request', 'stop strings need a tokenizer; this engine has none', 'stop');
    }
    const queue = new AsyncQueue<RequestOutput>(() => this.abort(requestId));
    this.streams.set(requestId, { queue, assembler: new RequestOutputAssembler(request.promptTokenIds) });
    this.send({ type: 'add', request: { requestId, promptTokenIds: [...request.promptTokenIds], samplingParams,
      arrivalTime: nowMs(), priority: request.priority, extraKeys: request.extraKeys ?? null } });
    return queue;
  }

  /** Aborts a request: its stream ends with a finish reason of 'abort'. Unknown ids are ignored. */
  abort(requestId: string): void {
    if (!this.failure) this.send({ type: 'abort', requestId });
  }

  /** Latest gauges and counters since start. */
  stats(): EngineStats {
    return this.statsAcc.snapshot();
  }

  /** Calls `listener` with every step's statistics; returns the unsubscribe function. */
  onStep(listener: (stats: StepStats) => void): () => void {
    this.stepListeners.add(listener);
    return () => this.stepListeners.delete(listener);
  }

  /** False once the worker has failed or exited: no request can be served any more. */
  get alive(): boolean {
    return this.failure === null;
  }

  get numActiveRequests(): number {
    return this.streams.size;
  }

  /** Stops taking requests, lets those in flight finish, then ends the worker. */
  shutdown(): Promise<void> {
    if (!this.drained) {
      this.drained = new Promise((resolve) => (this.resolveDrained = resolve));
      if (this.failure) this.resolveDrained();
      else this.send({ type: 'drain' });
    }
    return this.drained;
  }

  /** Ends the worker at once; streams in flight fail. */
  async terminate(): Promise<void> {
    this.failAll(new HipserveError('engine_error', 'the engine was terminated'));
    await this.worker.terminate();
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'outputs':
        for (const delta of m.deltas) {
          const stream = this.streams.get(delta.requestId);
          if (!stream) continue;
          stream.queue.push(stream.assembler.assemble(delta));
          if (delta.finished) {
            stream.queue.end();
            this.streams.delete(delta.requestId);
          }
        }
        if (m.stats) {
          this.statsAcc.add(m.stats);
          for (const listener of this.stepListeners) listener(m.stats);
        }
        break;
      case 'error':
        if (m.requestId === null) {
          this.failAll(toError(m.error));
        } else {
          this.streams.get(m.requestId)?.queue.fail(toError(m.error));
          this.streams.delete(m.requestId);
        }
        break;
      case 'drained':
        this.resolveDrained();
        break;
      case 'ready':
        break;
    }
  }

  private failAll(error: HipserveError): void {
    this.failure ??= error;
    for (const stream of this.streams.values()) stream.queue.fail(error);
    this.streams.clear();
  }
}
