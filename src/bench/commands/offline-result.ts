import type { LLM } from '../../llm/llm.js';
import type { BenchResult, ResultKind } from '../bench-result.js';
import { environment } from '../environment.js';
import { kernelInfo, type EngineFlags } from '../offline/engine-flags.js';
import { benchResult } from '../write-result.js';
import { modelResultName, saveIfAsked, type ResultFlags } from './result-flags.js';

/** Wraps an offline benchmark's results in the result schema and saves them when asked. */
export function saveOfflineResult<R extends object>(kind: ResultKind, model: string, llm: LLM, flags: EngineFlags & ResultFlags,
  config: Record<string, unknown>, results: R): BenchResult<R> {
  const date = new Date();
  const { threads, isa } = kernelInfo(flags);
  const result = benchResult(kind, {
    label: flags.label ?? null,
    config: { ...flags, ...config, model, maxNumSeqs: llm.engine.core.config.maxNumSeqs },
    environment: environment({ date, hardware: flags.hardware, threads, isa }),
    model: { id: model, path: model },
    results,
  });
  saveIfAsked(flags, result, modelResultName(kind, model, date), console.log);
  return result;
}
