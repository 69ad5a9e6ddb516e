import { performance } from 'node:perf_hooks';

import type { LLM } from '../../llm/llm.js';
import { SeededRandom } from '../seeded-random.js';
import { randomPrompts } from './engine-flags.js';

export interface ThroughputOptions {
  readonly inputLen: number;
  readonly outputLen: number;
  readonly numPrompts: number;
  readonly seed: number;
}

export interface ThroughputResults {
  elapsed_time_s: number;
  num_requests: number;
  total_num_tokens: number;
  total_output_tokens: number;
  requests_per_second: number;
  tokens_per_second: number;
  output_tokens_per_second: number;
}

/** vLLM's `bench throughput`: every prompt handed to the engine at once, timed until the last one finishes. */
export function benchThroughput(llm: LLM, o: ThroughputOptions): ThroughputResults {
  const prompts = randomPrompts(new SeededRandom(o.seed), o.numPrompts, o.inputLen, llm.model.config.vocabSize);
  const start = performance.now();
  const results = llm.generate(prompts, { temperature: 0, maxTokens: o.outputLen, ignoreEos: true });
  const elapsed = (performance.now() - start) / 1000;
  const output = results.reduce((n, r) => n + r.outputs.reduce((m, c) => m + c.tokenIds.length, 0), 0);
  const total = output + o.numPrompts * o.inputLen;
  return {
    elapsed_time_s: elapsed, num_requests: o.numPrompts, total_num_tokens: total, total_output_tokens: output,
    requests_per_second: o.numPrompts / elapsed, tokens_per_second: total / elapsed, output_tokens_per_second: output / elapsed,
  };
}
