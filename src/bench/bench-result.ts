/**
 * The one JSON form of every result file hipserve writes (`bench serve|latency|throughput|kernels`, `eval ...`)
 * and the dashboard reads:
 *
 *   {
 *     "schema": "hipserve.bench/1",
 *     "kind": "serve" | "latency" | "throughput" | "kernels" | "eval-reference" | "eval-gsm8k",
 *     "label": "a free-form name of the run, or null",
 *     "config": { ...the command's full configuration, defaults applied },
 *     "environment": {
 *       "gitCommit": "40 hex digits of hipserve's checkout, or null",
 *       "date": "ISO 8601 time the run ended",
 *       "hardware": "what ran the model: a GPU name, or 'CPU <model> (<n> cores)'",
 *       "node": "v22.x", "cpu": { "model", "cores", "isa" }, "threads": kernel threads or null
 *     },
 *     "model": { "id": name the server or engine knows it by, "path": local file or folder or null } | null,
 *     "results": { ...the kind's metrics, below }
 *   }
 *
 * Units are in the names: *_ms milliseconds, *_s seconds, throughput per second. Per-kind results:
 * - serve: vLLM's `bench serve` result fields (completed, failed, request_throughput, output_throughput,
 *   total_token_throughput, request_goodput, {mean,median,std,pNN}_{ttft,tpot,itl,e2el}_ms, ...).
 * - latency: avg_latency_s and percentiles of one batch's end-to-end time.
 * - throughput: requests_per_second, tokens_per_second, output_tokens_per_second.
 * - kernels: `kernels: KernelResult[]` (src/bench/kernels.ts).
 * - eval-reference: per reference case, greedy-token agreement and logprob differences.
 * - eval-gsm8k: accuracy, invalid answer rate, questions.
 */
export const RESULT_SCHEMA = 'hipserve.bench/1';

export type ResultKind = 'serve' | 'latency' | 'throughput' | 'kernels' | 'eval-reference' | 'eval-gsm8k';

export interface CpuInfo {
  readonly model: string;
  readonly cores: number;
  readonly isa: string | null;
}

export interface Environment {
  readonly gitCommit: string | null;
  readonly date: string;
  readonly hardware: string;
  readonly node: string;
  readonly cpu: CpuInfo;
  readonly threads: number | null;
}

export interface ModelInfo {
  readonly id: string;
  readonly path: string | null;
}

export interface BenchResult<R extends object = Record<string, unknown>> {
  readonly schema: typeof RESULT_SCHEMA;
  readonly kind: ResultKind;
  readonly label: string | null;
  readonly config: Readonly<Record<string, unknown>>;
  readonly environment: Environment;
  readonly model: ModelInfo | null;
  readonly results: R;
}

export const RESULT_KINDS: readonly ResultKind[] = ['serve', 'latency', 'throughput', 'kernels', 'eval-reference', 'eval-gsm8k'];
