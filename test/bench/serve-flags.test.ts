import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { addServeCommand } from '../../src/bench/commands/serve-command.js';
import type { ServeFlags } from '../../src/bench/serve/bench-serve.js';

/** Parses `hipserve bench serve ...` flags without running the benchmark. */
function parse(args: string[]): ServeFlags {
  const bench = new Command('bench').exitOverride();
  addServeCommand(bench);
  const serve = bench.commands.find((c) => c.name() === 'serve')!.exitOverride().configureOutput({ writeErr: () => {} });
  let flags: ServeFlags | null = null;
  serve.action((f: ServeFlags) => {
    flags = f;
  });
  bench.parse(['serve', ...args], { from: 'user' });
  return flags!;
}

describe('bench serve flags, named as vllm bench serve names them', () => {
  it('default to vLLM\'s values', () => {
    expect(parse([])).toMatchObject({
      backend: 'openai', host: '127.0.0.1', port: 8000, datasetName: 'random', numPrompts: 1000, randomInputLen: 1024,
      randomOutputLen: 128, randomRangeRatio: 0, requestRate: Infinity, burstiness: 1, seed: 0, metricPercentiles: [90, 99],
      percentileMetrics: ['ttft', 'tpot', 'itl', 'e2el'],
    });
  });

  it('parse rates, SLOs, lists, headers and JSON bodies', () => {
    const f = parse(['--request-rate', '2.5', '--goodput', 'ttft:500', 'tpot:50', '--metric-percentiles', '50,99.9',
      '--percentile-metrics', 'ttft,e2el', '--header', 'X-A=1', '--header', 'X-B=2', '--extra-body', '{"top_k":5}',
      '--max-concurrency', '8', '--base-url', 'http://h:1']);
    expect(f).toMatchObject({ requestRate: 2.5, goodput: { ttft: 500, tpot: 50 }, metricPercentiles: [50, 99.9],
      percentileMetrics: ['ttft', 'e2el'], header: { 'X-A': '1', 'X-B': '2' }, extraBody: { top_k: 5 }, maxConcurrency: 8, baseUrl: 'http://h:1' });
    expect(parse(['--request-rate', 'inf']).requestRate).toBe(Infinity);
  });

  it('refuse malformed values', () => {
    for (const bad of [['--goodput', 'latency:5'], ['--request-rate', '0'], ['--metric-percentiles', '100'], ['--percentile-metrics', 'ttfb'],
      ['--dataset-name', 'sonnet'], ['--extra-body', '[1]']]) {
      expect(() => parse(bad)).toThrow();
    }
  });
});
