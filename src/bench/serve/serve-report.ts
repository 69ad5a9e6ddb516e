import type { LatencyMetric, ServeMetrics } from './serve-metrics.js';

const HEADERS: Record<LatencyMetric, [string, string]> = {
  ttft: ['TTFT', 'Time to First Token'],
  tpot: ['TPOT', 'Time per Output Token (excl. 1st token)'],
  itl: ['ITL', 'Inter-token Latency'],
  e2el: ['E2EL', 'End-to-end Latency'],
};

const center = (title: string, fill: string): string => {
  const pad = Math.max(0, 50 - title.length);
  return fill.repeat(Math.floor(pad / 2)) + title + fill.repeat(Math.ceil(pad / 2));
};

/** The result table as `vllm bench serve` prints it. */
export function formatServeReport(m: ServeMetrics, o: {
  maxConcurrency: number | null; requestRate: number; percentiles: readonly number[]; percentileMetrics: readonly LatencyMetric[];
}): string {
  const lines = [center(' Serving Benchmark Result ', '=')];
  const row = (label: string, value: number | string): void => {
    lines.push(`${label.padEnd(40)} ${value}`);
  };
  const fixed = (label: string, value: number): void => row(label, value.toFixed(2));
  row('Successful requests:', m.completed);
  row('Failed requests:', m.failed);
  if (o.maxConcurrency !== null) row('Maximum request concurrency:', o.maxConcurrency);
  if (o.requestRate !== Infinity) fixed('Request rate configured (RPS):', o.requestRate);
  fixed('Benchmark duration (s):', m.duration);
  row('Total input tokens:', m.total_input_tokens);
  row('Total generated tokens:', m.total_output_tokens);
  fixed('Request throughput (req/s):', m.request_throughput);
  if (m.request_goodput !== null) fixed('Request goodput (req/s):', m.request_goodput);
  fixed('Output token throughput (tok/s):', m.output_throughput);
  fixed('Peak output token throughput (tok/s):', m.max_output_tokens_per_s);
  fixed('Peak concurrent requests:', m.max_concurrent_requests);
  fixed('Total token throughput (tok/s):', m.total_token_throughput);
  for (const metric of o.percentileMetrics) {
    const [short, header] = HEADERS[metric];
    lines.push(center(header, '-'));
    fixed(`Mean ${short} (ms):`, m[`mean_${metric}_ms`]!);
    fixed(`Median ${short} (ms):`, m[`median_${metric}_ms`]!);
    for (const p of o.percentiles) fixed(`P${p} ${short} (ms):`, m[`p${p}_${metric}_ms`]!);
  }
  lines.push('='.repeat(50));
  return lines.join('\n');
}
