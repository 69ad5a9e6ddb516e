import { performance } from 'node:perf_hooks';

import type { LLM } from '../../llm/llm.js';
import { SeededRandom } from '../seeded-random.js';
import { mean, percentile } from '../stats.js';
import { randomPrompts } from './engine-flags.js';

export interface LatencyOptions {
  readonly inputLen: number;
  readonly outputLen: number;
  readonly batchSize: number;
  readonly numItersWarmup: number;
  readonly numIters: number;
  readonly seed: number;
}

export const LATENCY_PERCENTILES = [10, 25, 50, 75, 90, 99] as const;

export interface LatencyResults {
  avg_latency_s: number;
  /** Generated tokens per second of the whole batch at the average latency. */
  output_tokens_per_second: number;
  latencies_s: number[];
  [percentileKey: `p${number}_latency_s`]: number;
}

/**
 * vLLM's `bench latency`: the wall time of generating `outputLen` tokens (EOS ignored) for a batch of
 * `inputLen`-token prompts, after warm-up iterations. Each iteration draws fresh prompts, so the prefix cache never
 * turns a prefill into a cache hit.
 */
export function benchLatency(llm: LLM, o: LatencyOptions, onIteration: (done: number, total: number) => void = () => {}): LatencyResults {
  const rng = new SeededRandom(o.seed);
  const vocab = llm.model.config.vocabSize;
  const once = (): number => {
    const prompts = randomPrompts(rng, o.batchSize, o.inputLen, vocab);
    const start = performance.now();
    llm.generate(prompts, { temperature: 0, maxTokens: o.outputLen, ignoreEos: true });
    return (performance.now() - start) / 1000;
  };
  for (let i = 0; i < o.numItersWarmup; i++) once();
  const latencies: number[] = [];
  for (let i = 0; i < o.numIters; i++) {
    latencies.push(once());
    onIteration(i + 1, o.numIters);
  }
  const avg = mean(latencies);
  const results: LatencyResults = { avg_latency_s: avg, output_tokens_per_second: (o.batchSize * o.outputLen) / avg, latencies_s: latencies };
  for (const p of LATENCY_PERCENTILES) results[`p${p}_latency_s`] = percentile(latencies, p);
  return results;
}
