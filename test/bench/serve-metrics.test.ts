import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { RequestOutput } from '../../src/bench/serve/openai-request.js';
import { serveMetrics } from '../../src/bench/serve/serve-metrics.js';

function output(ttft: number, itl: number[], tokens: number | null, start = 0, success = true): RequestOutput {
  return {
    success, error: success ? '' : 'boom', generatedText: '', promptLen: 10, outputTokens: tokens, numChunks: itl.length + 1,
    ttft, itl, latency: ttft + itl.reduce((a, b) => a + b, 0), startTime: start, clientQueueTime: 0,
  };
}

const arbOutput = fc.record({
  ttft: fc.double({ min: 0.001, max: 2, noNaN: true }),
  itl: fc.array(fc.double({ min: 0, max: 0.2, noNaN: true }), { maxLength: 8 }),
  tokens: fc.option(fc.integer({ min: 1, max: 20 })),
  start: fc.double({ min: 0, max: 3, noNaN: true }),
  success: fc.boolean(),
}).map((o) => output(o.ttft, o.itl, o.tokens, o.start, o.success));

describe('serving metrics (vLLM definitions)', () => {
  it('throughputs count successful requests and their tokens over the duration', () => {
    fc.assert(fc.property(fc.array(arbOutput, { minLength: 1, maxLength: 20 }), fc.double({ min: 0.5, max: 10, noNaN: true }), (outs, dur) => {
      const m = serveMetrics(outs, dur, [99], ['ttft'], {});
      const ok = outs.filter((o) => o.success);
      const tokens = ok.reduce((a, o) => a + (o.outputTokens ?? o.itl.length + 1), 0);
      expect(m.completed).toBe(ok.length);
      expect(m.failed).toBe(outs.length - ok.length);
      expect(m.total_output_tokens).toBe(tokens);
      expect(m.request_throughput).toBeCloseTo(ok.length / dur, 9);
      expect(m.output_throughput).toBeCloseTo(tokens / dur, 9);
      expect(m.total_token_throughput).toBeCloseTo((10 * ok.length + tokens) / dur, 9);
      expect(m.request_goodput).toBeNull();
    }));
  });

  it('TPOT is (e2e − TTFT) / (tokens − 1) over requests with more than one token; ITL pools every gap', () => {
    const outs = [output(0.1, [0.02, 0.04, 0.03], 4), output(0.3, [], 1), output(0.2, [0.05], null), output(9, [1], 2, 0, false)];
    const m = serveMetrics(outs, 2, [50], ['ttft', 'tpot', 'itl', 'e2el'], {});
    const tpots = [(0.09 / 3) * 1000, 0.05 * 1000];  // the 1-token request has no TPOT; the failed one is left out
    expect(m.mean_tpot_ms).toBeCloseTo((tpots[0]! + tpots[1]!) / 2, 9);
    expect(m.mean_ttft_ms).toBeCloseTo(200, 9);
    expect(m.median_itl_ms).toBeCloseTo((30 + 40) / 2, 9);  // gaps 20, 40, 30, 50
    expect(m.p50_e2el_ms).toBeCloseTo(250, 9);   // e2e 190, 300, 250
    expect(m.max_concurrent_requests).toBe(3);
  });

  it('goodput counts requests meeting every SLO, a one-token request counting as TPOT 0', () => {
    fc.assert(fc.property(fc.array(arbOutput, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 100 }),
      (outs, ttftMs, tpotMs) => {
        const good = outs.filter((o) => {
          if (!o.success) return false;
          const n = o.outputTokens ?? o.itl.length + 1;
          const tpot = n > 1 ? (o.latency - o.ttft) / (n - 1) : 0;
          return o.ttft * 1000 <= ttftMs && tpot * 1000 <= tpotMs;
        }).length;
        expect(serveMetrics(outs, 4, [99], [], { ttft: ttftMs, tpot: tpotMs }).request_goodput).toBeCloseTo(good / 4, 9);
      }));
  });

  it('peak output tokens per second buckets each token by its arrival second', () => {
    // Tokens at 0.5, 0.9, 1.2 s and 0.8, 1.1, 1.4, 1.7 s: 3 in second 0, 4 in second 1.
    const m = serveMetrics([output(0.5, [0.4, 0.3], 3), output(0.8, [0.3, 0.3, 0.3], 4)], 2, [], [], {});
    expect(m.max_output_tokens_per_s).toBe(4);
  });
});
