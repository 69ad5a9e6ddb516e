import { mean, median, percentile, std } from '../stats.js';
import type { RequestOutput } from './openai-request.js';

export const LATENCY_METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** Service-level objectives in milliseconds for goodput (`--goodput ttft:500 tpot:50`). */
export type Slos = Partial<Record<'ttft' | 'tpot' | 'e2el', number>>;

/** vLLM's `bench serve` result fields (those it keeps without --save-detailed). */
export interface ServeMetrics {
  duration: number;
  completed: number;
  failed: number;
  total_input_tokens: number;
  total_output_tokens: number;
  request_throughput: number;
  /** null when no SLO was given. */
  request_goodput: number | null;
  output_throughput: number;
  total_token_throughput: number;
  max_output_tokens_per_s: number;
  max_concurrent_requests: number;
  /** mean_ttft_ms, median_tpot_ms, std_itl_ms, p99_e2el_ms, ... for the selected metrics and percentiles. */
  [stat: string]: number | null;
}

/** How many tokens a request produced: the server's usage, else its content chunks (one token each). */
export function outputTokens(o: RequestOutput): number {
  return o.outputTokens ?? o.numChunks;
}

/**
 * vLLM's calculate_metrics, over successful requests: TTFT; TPOT = (e2e − TTFT) / (output tokens − 1) for requests
 * with more than one output token; every ITL gap; e2e latency. A request is good when it meets every given SLO
 * (its TPOT counted as 0 when it made one token); goodput = good requests / duration. Latency statistics are in ms.
 */
export function serveMetrics(outputs: readonly RequestOutput[], durationS: number, percentiles: readonly number[],
  metrics: readonly LatencyMetric[], slos: Slos): ServeMetrics {
  const ok = outputs.filter((o) => o.success);
  const samples: Record<LatencyMetric, number[]> = { ttft: [], tpot: [], itl: [], e2el: [] };
  let totalInput = 0;
  let totalOutput = 0;
  let good = 0;
  for (const o of ok) {
    const n = outputTokens(o);
    totalInput += o.promptLen;
    totalOutput += n;
    const tpot = n > 1 ? (o.latency - o.ttft) / (n - 1) : 0;
    if (n > 1) samples.tpot.push(tpot);
    samples.ttft.push(o.ttft);
    samples.itl.push(...o.itl);
    samples.e2el.push(o.latency);
    const meets = (slo: number | undefined, value: number): boolean => slo === undefined || value <= slo / 1000;
    if (meets(slos.ttft, o.ttft) && meets(slos.tpot, tpot) && meets(slos.e2el, o.latency)) good++;
  }
  const result: ServeMetrics = {
    duration: durationS,
    completed: ok.length,
    failed: outputs.length - ok.length,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    request_throughput: ok.length / durationS,
    request_goodput: Object.keys(slos).length > 0 ? good / durationS : null,
    output_throughput: totalOutput / durationS,
    total_token_throughput: (totalInput + totalOutput) / durationS,
    ...peakRates(ok),
  };
  for (const m of metrics) {
    const ms = samples[m].map((s) => s * 1000);
    result[`mean_${m}_ms`] = mean(ms);
    result[`median_${m}_ms`] = median(ms);
    result[`std_${m}_ms`] = std(ms);
    for (const p of percentiles) result[`p${p}_${m}_ms`] = percentile(ms, p);
  }
  return result;
}

/**
 * Peak output tokens in any one-second bucket from the first request's start (each content chunk at its arrival),
 * and peak requests in flight (a sweep over [start, end) intervals).
 */
function peakRates(ok: readonly RequestOutput[]): { max_output_tokens_per_s: number; max_concurrent_requests: number } {
  if (ok.length === 0) return { max_output_tokens_per_s: 0, max_concurrent_requests: 0 };
  const t0 = Math.min(...ok.map((o) => o.startTime));
  const buckets = new Map<number, number>();
  const events: [number, number][] = [];
  for (const o of ok) {
    let t = o.startTime + o.ttft;
    for (const time of [t, ...o.itl.map((gap) => (t += gap))]) {
      const b = Math.floor(time - t0);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    events.push([o.startTime, 1], [o.startTime + o.latency, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (inFlight += delta));
  return { max_output_tokens_per_s: Math.max(...buckets.values()), max_concurrent_requests: peak };
}
