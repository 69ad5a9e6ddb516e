/**
 * Entry of the engine's worker thread (runs from dist/): builds the model through its factory, then steps the
 * engine whenever work is pending, posting each step's deltas and statistics. Messages (add, abort, drain) are
 * handled between steps.
 */
import { getPriority, setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

import { loadAddon } from '../../bindings/addon.js';
import { HipserveError } from '../errors.js';
import type { FromWorker, EngineWorkerData, SerializedError, ToWorker } from './engine-messages.js';
import type { EngineModelFactory } from './engine-model.js';
import { LLMEngine } from './llm-engine.js';

function serialize(e: unknown): SerializedError {
  if (e instanceof HipserveError) return { code: e.code, message: e.message, param: e.param };
  return { code: 'engine_error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), param: null };
}

/**
 * Lowers this thread's scheduling priority (Linux applies it per thread; the kernel thread pool, started from here,
 * inherits it), so the main thread's event loop gets a core at once when it wakes, even when the kernels use all.
 */
function yieldToMainThread(): void {
  try {
    setPriority(0, Math.min(19, getPriority(0) + 10));
  } catch {
    // Not permitted or not supported: run at the default priority.
  }
}

async function main(): Promise<void> {
  yieldToMainThread();
  const port = parentPort!;
  const data = workerData as EngineWorkerData;
  const post = (message: FromWorker): void => port.postMessage(message);
  const specifier = data.model.module.startsWith('file:') ? data.model.module : pathToFileURL(data.model.module).href;
  const factory = (await import(specifier) as Record<string, unknown>)[data.model.exportName ?? 'createEngineModel'];
  if (typeof factory !== 'function') {
    throw new HipserveError('engine_error', `${data.model.module} exports no function ${data.model.exportName ?? 'createEngineModel'}`);
  }
  if (data.numThreads !== undefined) loadAddon().setNumThreads(data.numThreads);
  const { model, tokenizer, platform } = await (factory as EngineModelFactory)(data.model.options, data.engine);
  const engine = LLMEngine.create(model, tokenizer, data.engine, data.nativeSampling ?? true);
  const core = engine.core;
  let draining = false;
  let pending = false;

  const finishDrain = (): void => {
    engine.dispose();
    post({ type: 'drained' });
    port.close();
  };
  const loop = (): void => {
    pending = false;
    try {
      const { deltas, stats } = engine.step();
      post({ type: 'outputs', deltas, stats });
    } catch (e) {
      post({ type: 'error', requestId: null, error: serialize(e) });
      process.exit(1);
    }
    wake();
  };
  /** Runs a step after pending messages are handled, while work remains. */
  const wake = (): void => {
    if (pending) return;
    if (engine.hasUnfinishedRequests()) {
      pending = true;
      setImmediate(loop);
    } else if (draining) {
      finishDrain();
    }
  };

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'add':
        if (draining) {
          post({ type: 'error', requestId: message.request.requestId,
            error: { code: 'engine_error', message: 'the engine is shutting down', param: null } });
          break;
        }
        try {
          engine.addRequest(message.request);
        } catch (e) {
          post({ type: 'error', requestId: message.request.requestId, error: serialize(e) });
        }
        break;
      case 'abort': {
        const delta = engine.abort(message.requestId);
        if (delta) post({ type: 'outputs', deltas: [delta], stats: null });
        break;
      }
      case 'drain':
        draining = true;
        break;
    }
    wake();
  });
  post({ type: 'ready', info: { config: core.config, vocabSize: core.vocabSize, eosTokenIds: model.config.eosTokenIds,
    hasTokenizer: tokenizer !== null, ...(platform ? { platform } : {}) } });
}

if (!isMainThread) {
  main().catch((e: unknown) => {
    parentPort!.postMessage({ type: 'error', requestId: null, error: serialize(e) } satisfies FromWorker);
    process.exit(1);
  });
}
