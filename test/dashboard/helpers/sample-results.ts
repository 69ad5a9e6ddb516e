/** Result objects in the one schema, built for dashboard tests (inputs, not expected outputs). */
import { RESULT_SCHEMA, type BenchResult, type ResultKind } from '../../../src/bench/bench-result.js';

export interface SampleRun {
  kind?: ResultKind;
  label?: string | null;
  model?: string;
  hardware?: string;
  commit?: string;
  date: string;
  config?: Record<string, unknown>;
  results: Record<string, unknown>;
}

export function sampleResult(run: SampleRun): BenchResult<Record<string, unknown>> {
  return {
    schema: RESULT_SCHEMA,
    kind: run.kind ?? 'serve',
    label: run.label ?? null,
    config: { datasetName: 'random', randomInputLen: 32, randomOutputLen: 16, requestRate: 'inf', backend: 'openai', ...run.config },
    environment: {
      gitCommit: run.commit ?? null, date: run.date, hardware: run.hardware ?? 'CPU Test (2 cores)', node: 'v20',
      cpu: { model: 'Test', cores: 2, isa: null }, threads: null,
    },
    model: run.model === undefined ? { id: '/models/stories260K/hf', path: null } : { id: run.model, path: null },
    results: run.results,
  };
}

/** A serve run at a concurrency level with latencies that grow with load. */
export function serveRun(concurrency: number, throughput: number, tpotMs: number, extra: Partial<SampleRun> = {}): BenchResult<Record<string, unknown>> {
  return sampleResult({
    date: '2026-01-01T00:00:00.000Z', ...extra,
    config: { maxConcurrency: concurrency, ...extra.config },
    results: {
      completed: 20, failed: 0, output_throughput: throughput, request_throughput: throughput / 16,
      median_ttft_ms: 10 * concurrency, p99_ttft_ms: 15 * concurrency, median_tpot_ms: tpotMs, p99_tpot_ms: tpotMs * 1.5,
      median_itl_ms: tpotMs, median_e2el_ms: 10 * concurrency + 15 * tpotMs, ...extra.results,
    },
  });
}
