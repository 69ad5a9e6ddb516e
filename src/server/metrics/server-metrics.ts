import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { StepStats } from '../../engine/engine-core.js';
import { buckets125, ITL_BUCKETS, iterationTokenBuckets, LATENCY_BUCKETS, N_BUCKETS, TTFT_BUCKETS } from './buckets.js';

const PREFIX = 'hipserve:';

/** What the scheduler reports after each step. */
export interface StepMetrics {
  readonly numScheduledTokens: number;
  readonly numPreempted: number;
  /** Prefix-cache lookups during the step, in tokens. */
  readonly prefixCacheQueries: number;
  readonly prefixCacheHits: number;
}

export function stepMetrics(s: StepStats): StepMetrics {
  return { numScheduledTokens: s.numScheduledTokens, numPreempted: s.numPreempted,
    prefixCacheQueries: s.prefixCache.queries, prefixCacheHits: s.prefixCache.hits };
}

/** The engine's state now, read at every scrape. */
export interface EngineGauges {
  readonly numRunning: number;
  readonly numWaiting: number;
  /** 0..1. */
  readonly kvCacheUsage: number;
}

/** One finished completion (one choice of a request), with the times the server saw, in seconds. */
export interface FinishedCompletion {
  readonly finishReason: string;
  readonly numPromptTokens: number;
  readonly numGenerationTokens: number;
  /** Arrival until the engine first scheduled it; null when unknown. */
  readonly queueTime: number | null;
  /** Arrival until the first output token. */
  readonly timeToFirstToken: number | null;
  /** Arrival until finish. */
  readonly e2eLatency: number;
  /** First scheduling until the first token (prefill) and first token until finish (decode). */
  readonly prefillTime: number | null;
  readonly decodeTime: number | null;
}

/** One request as a client sent it. */
export interface RequestParamsMetrics {
  readonly n: number;
  readonly maxTokens: number;
}

export interface ServerMetricsOptions {
  readonly modelName: string;
  readonly maxModelLen: number;
  readonly maxNumBatchedTokens: number;
  readonly cacheConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Sampled at each scrape. */
  readonly gauges?: () => EngineGauges;
  /** Also export process_* and nodejs_* metrics. Default true. */
  readonly processMetrics?: boolean;
}

/** vLLM's metric family under the `hipserve:` prefix, in a registry of its own (one per app). */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly labels: { model_name: string };
  private readonly counters;
  private readonly histograms;

  constructor(options: ServerMetricsOptions) {
    const registers = [this.registry];
    const labelNames = ['model_name'] as const;
    this.labels = { model_name: options.modelName };
    const labels = this.labels;
    const counter = (name: string, help: string, extra: readonly string[] = []) =>
      new Counter({ name: PREFIX + name, help, labelNames: [...labelNames, ...extra], registers });
    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name: PREFIX + name, help, labelNames, buckets, registers });
    const gauge = (name: string, help: string, read: (g: EngineGauges) => number) => new Gauge({
      name: PREFIX + name, help, labelNames, registers,
      collect() {
        if (options.gauges) this.set(labels, read(options.gauges()));
      },
    });

    gauge('num_requests_running', 'Number of requests in model execution batches.', (g) => g.numRunning);
    gauge('num_requests_waiting', 'Number of requests waiting to be processed.', (g) => g.numWaiting);
    gauge('kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', (g) => g.kvCacheUsage);
    if (options.cacheConfig) {
      const info = new Gauge({ name: `${PREFIX}cache_config_info`, help: 'Information of the KV cache config.',
        labelNames: Object.keys(options.cacheConfig), registers });
      info.set(Object.fromEntries(Object.entries(options.cacheConfig).map(([k, v]) => [k, String(v)])), 1);
    }

    this.counters = {
      prefixQueries: counter('prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.'),
      prefixHits: counter('prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.'),
      preemptions: counter('num_preemptions_total', 'Cumulative number of preemptions from the engine.'),
      promptTokens: counter('prompt_tokens_total', 'Number of prefill tokens processed.'),
      generationTokens: counter('generation_tokens_total', 'Number of generation tokens processed.'),
      success: counter('request_success_total', 'Count of finished requests, by finish reason (abort included, as vLLM counts).',
        ['finished_reason']),
    };
    for (const c of Object.values(this.counters)) if (c !== this.counters.success) c.inc(labels, 0);
    for (const reason of ['stop', 'length', 'abort']) this.counters.success.inc({ ...labels, finished_reason: reason }, 0);
    const tokens = buckets125(options.maxModelLen);
    this.histograms = {
      iterationTokens: histogram('iteration_tokens_total', 'Histogram of number of tokens per engine step.',
        iterationTokenBuckets(options.maxNumBatchedTokens)),
      promptTokens: histogram('request_prompt_tokens', 'Number of prefill tokens processed.', tokens),
      generationTokens: histogram('request_generation_tokens', 'Number of generation tokens processed.', tokens),
      maxGenerationTokens: histogram('request_max_num_generation_tokens',
        'Histogram of maximum number of requested generation tokens.', tokens),
      paramsN: histogram('request_params_n', 'Histogram of the n request parameter.', N_BUCKETS),
      paramsMaxTokens: histogram('request_params_max_tokens', 'Histogram of the max_tokens request parameter.', tokens),
      ttft: histogram('time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS),
      itl: histogram('inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS),
      tpot: histogram('request_time_per_output_token_seconds',
        'Histogram of time_per_output_token_seconds per request.', ITL_BUCKETS),
      e2e: histogram('e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', LATENCY_BUCKETS),
      queue: histogram('request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', LATENCY_BUCKETS),
      inference: histogram('request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', LATENCY_BUCKETS),
      prefill: histogram('request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', LATENCY_BUCKETS),
      decode: histogram('request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', LATENCY_BUCKETS),
    };
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  recordStep(step: StepMetrics): void {
    const { counters: c, labels } = this;
    if (step.numScheduledTokens > 0) this.histograms.iterationTokens.observe(labels, step.numScheduledTokens);
    if (step.numPreempted > 0) c.preemptions.inc(labels, step.numPreempted);
    if (step.prefixCacheQueries > 0) c.prefixQueries.inc(labels, step.prefixCacheQueries);
    if (step.prefixCacheHits > 0) c.prefixHits.inc(labels, step.prefixCacheHits);
  }

  recordRequestParams(params: RequestParamsMetrics): void {
    this.histograms.paramsN.observe(this.labels, params.n);
    this.histograms.paramsMaxTokens.observe(this.labels, params.maxTokens);
    this.histograms.maxGenerationTokens.observe(this.labels, params.maxTokens);
  }

  recordInterTokenLatency(seconds: number): void {
    this.histograms.itl.observe(this.labels, seconds);
  }

  recordFinished(done: FinishedCompletion): void {
    const { counters: c, histograms: h, labels } = this;
    c.promptTokens.inc(labels, done.numPromptTokens);
    c.generationTokens.inc(labels, done.numGenerationTokens);
    h.promptTokens.observe(labels, done.numPromptTokens);
    h.generationTokens.observe(labels, done.numGenerationTokens);
    h.e2e.observe(labels, done.e2eLatency);
    c.success.inc({ ...labels, finished_reason: done.finishReason });
    if (done.timeToFirstToken !== null) h.ttft.observe(labels, done.timeToFirstToken);
    if (done.queueTime !== null) {
      h.queue.observe(labels, done.queueTime);
      h.inference.observe(labels, done.e2eLatency - done.queueTime);
    }
    if (done.prefillTime !== null) h.prefill.observe(labels, done.prefillTime);
    if (done.decodeTime !== null) {
      h.decode.observe(labels, done.decodeTime);
      if (done.numGenerationTokens > 1) h.tpot.observe(labels, done.decodeTime / (done.numGenerationTokens - 1));
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
