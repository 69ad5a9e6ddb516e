import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { benchLatency } from '../../src/bench/offline/bench-latency.js';
import { benchThroughput } from '../../src/bench/offline/bench-throughput.js';
import { LLM } from '../../src/llm/llm.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const MODEL = 'models/stories260K/hf';

describe.skipIf(missingShared(MODEL))('offline benchmarks on stories260K', () => {
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.load(sharedPath(MODEL), { numThreads: 2, skipTokenizer: true, maxNumSeqs: 8 });
  });
  afterAll(() => llm.dispose());

  it('latency: one timing per iteration, summarised as their mean and percentiles', () => {
    const r = benchLatency(llm, { inputLen: 16, outputLen: 8, batchSize: 4, numItersWarmup: 1, numIters: 5, seed: 1 });
    expect(r.latencies_s).toHaveLength(5);
    const sorted = [...r.latencies_s].sort((a, b) => a - b);
    expect(r.avg_latency_s).toBeCloseTo(r.latencies_s.reduce((a, b) => a + b, 0) / 5, 12);
    expect(r.p50_latency_s).toBe(sorted[2]);
    expect(r.p10_latency_s).toBeGreaterThanOrEqual(sorted[0]!);
    expect(r.p99_latency_s).toBeLessThanOrEqual(sorted[4]!);
    expect(r.output_tokens_per_second).toBeCloseTo((4 * 8) / r.avg_latency_s, 6);
  });

  it('throughput: every prompt runs to its output length; rates are tokens over the elapsed time', () => {
    const r = benchThroughput(llm, { inputLen: 24, outputLen: 12, numPrompts: 10, seed: 2 });
    expect(r.total_output_tokens).toBe(10 * 12);
    expect(r.total_num_tokens).toBe(10 * (24 + 12));
    expect(r.requests_per_second).toBeCloseTo(10 / r.elapsed_time_s, 9);
    expect(r.output_tokens_per_second).toBeCloseTo(120 / r.elapsed_time_s, 9);
  });
});
