import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Backend } from '../../src/bench/serve/openai-request.js';
import { runServeBenchmark, type ServeBenchOptions } from '../../src/bench/serve/run-serve-benchmark.js';
import type { SampleRequest } from '../../src/bench/serve/sample-request.js';
import { startScriptedServer, type ScriptedServer } from './helpers/scripted-sse-server.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => server.close());

function options(backend: Backend, over: Partial<ServeBenchOptions> = {}): ServeBenchOptions {
  return {
    request: {
      backend, apiUrl: `${server.url}${backend === 'openai' ? '/v1/completions' : '/v1/chat/completions'}`, model: 'scripted',
      ignoreEos: true, logprobs: null, extraBody: { temperature: 0 }, headers: {},
    },
    requestRate: Infinity, burstiness: 1, maxConcurrency: null, numWarmups: 0, seed: 0,
    percentiles: [50, 90, 99], percentileMetrics: ['ttft', 'tpot', 'itl', 'e2el'], goodput: {}, ...over,
  };
}

const req = (prompt: string, promptLen = 3, expectedOutputLen = 5): SampleRequest => ({ prompt, promptLen, expectedOutputLen });

describe('the load generator against a scripted SSE server', () => {
  it.each(['openai', 'openai-chat'] as const)('%s: times TTFT and ITL from content chunks only, and counts usage tokens', async (backend) => {
    const run = await runServeBenchmark([req('ttft=60 gap=25 n=4 empty=1'), req('ttft=60 gap=25 n=4 split=1')], options(backend));
    for (const o of run.outputs) {
      expect(o.success).toBe(true);
      expect(o.ttft).toBeGreaterThanOrEqual(0.055);
      expect(o.ttft).toBeLessThan(0.5);
      expect(o.itl).toHaveLength(3);
      // Chunks may arrive together on a busy machine, but never before the server sent them.
      expect(o.latency).toBeGreaterThanOrEqual(0.06 + 3 * 0.025 - 0.002);
      expect(o.latency).toBeCloseTo(o.ttft + o.itl.reduce((a, b) => a + b, 0), 9);
      expect(o.generatedText).toBe('t0 t1 t2 t3 ');
      expect(o.outputTokens).toBe(4);
      expect(o.promptLen).toBe(7);  // the server's usage wins over the dataset's count
    }
    const sent = server.bodies.at(-1)!;
    expect(sent).toMatchObject({ model: 'scripted', stream: true, stream_options: { include_usage: true }, ignore_eos: true, temperature: 0 });
    expect(sent[backend === 'openai' ? 'max_tokens' : 'max_completion_tokens']).toBe(5);
    expect(run.metrics.completed).toBe(2);
    expect(run.metrics.total_output_tokens).toBe(8);
  });

  it('counts failed requests and, without usage, one token per content chunk', async () => {
    const run = await runServeBenchmark([req('n=3 usage=no'), req('status=500'), req('n=2')], options('openai'));
    expect(run.outputs.map((o) => o.success)).toEqual([true, false, true]);
    expect(run.outputs[1]!.error).toMatch(/HTTP 500/);
    expect(run.outputs[0]!.outputTokens).toBeNull();
    expect(run.metrics).toMatchObject({ completed: 2, failed: 1, total_output_tokens: 5, total_input_tokens: 3 + 7 });
  });

  it('fails fast when the first request cannot be served', async () => {
    await expect(runServeBenchmark([req('status=404')], options('openai'))).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('keeps at most --max-concurrency requests in flight', async () => {
    server.maxInFlight = 0;
    const run = await runServeBenchmark(Array.from({ length: 12 }, () => req('ttft=30 n=2 gap=5')), options('openai', { maxConcurrency: 3 }));
    expect(run.metrics.completed).toBe(12);
    expect(server.maxInFlight).toBe(3);
    expect(run.metrics.max_concurrent_requests).toBeLessThanOrEqual(3);
    // Requests waited for a slot: the last ones queued for about three rounds of ~35 ms.
    expect(Math.max(...run.outputs.map((o) => o.clientQueueTime))).toBeGreaterThan(0.06);
  });

  it('spreads requests over n / rate seconds at a finite rate', async () => {
    const run = await runServeBenchmark(Array.from({ length: 10 }, () => req('n=1')), options('openai', { requestRate: 40 }));
    const starts = run.outputs.map((o) => o.startTime).sort((a, b) => a - b);
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThan(0.1);
    expect(run.metrics.duration).toBeGreaterThanOrEqual(10 / 40 - 0.01);
  });
});
