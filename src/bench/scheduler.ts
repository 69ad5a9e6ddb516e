/**
 * Scheduler benchmark: `node dist/src/bench/scheduler.js [--model DIR|fake] [--requests 256] [--steps 64]
 * [--prompt-len 32] [--threads N] [--json FILE] [--event-loop]`.
 * Fills the engine with `requests` running requests, waits until every one decodes, then times `steps` steps and
 * reports, per step, the scheduler's own time (schedule + update) beside the model's forward pass of that step, with
 * the runner's input preparation, sampling and the output processing (detokenization, stop strings).
 * With --event-loop it serves `requests` concurrent requests of `steps` tokens through an EngineClient (engine in a
 * worker thread) instead, and reports the main thread's event-loop delay (perf_hooks.monitorEventLoopDelay).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadAddon } from '../../bindings/addon.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { nowMs } from '../engine/clock.js';
import { EngineClient } from '../engine/engine-client.js';
import { FakeCausalLM } from '../engine/fake-causal-lm.js';
import { FakeTokenizer } from '../engine/fake-tokenizer.js';
import { LLMEngine } from '../engine/llm-engine.js';
import type { CausalLM } from '../models/forward-batch.js';
import { loadCausalLM } from '../models/load-causal-lm.js';
import { hipserveRoot } from '../platforms/package-root.js';
import { resolveSamplingParams } from '../sampling/sampling-params.js';
import { tokenizerOfModelFiles } from '../tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { mean, median, percentile } from './stats.js';

interface Summary {
  median: number;
  p90: number;
  mean: number;
}

export interface SchedulerBenchResult {
  model: string;
  numRequests: number;
  numSteps: number;
  threads: number;
  isa: string;
  /** Milliseconds per decode step, each part measured in the same steps. */
  schedulerMs: Summary;
  prepareMs: Summary;
  forwardMs: Summary;
  sampleMs: Summary;
  outputMs: Summary;
  stepMs: Summary;
  /** Median of the per-step ratio scheduler time / forward time. */
  schedulerToForward: number;
}

function summarize(values: readonly number[]): Summary {
  return { median: median(values), p90: percentile(values, 90), mean: mean(values) };
}

async function loadModel(spec: string, maxModelLen: number, maxNumBatchedTokens: number):
  Promise<{ model: CausalLM; tokenizer: Tokenizer; name: string }> {
  const dir = modelDir(spec);
  if (spec === 'fake' || !existsSync(dir)) {
    if (spec !== 'fake') console.error(`${dir} is absent: benchmarking the fake model instead`);
    return { model: new FakeCausalLM({ vocabSize: 512 }), tokenizer: new FakeTokenizer(512, null), name: 'fake' };
  }
  const { model, files } = await loadCausalLM(dir, { maxModelLen, maxNumBatchedTokens });
  return { model, tokenizer: tokenizerOfModelFiles(files), name: path.basename(path.dirname(dir)) === 'stories260K' ? 'stories260K' : dir };
}

export interface EventLoopBenchResult {
  model: string;
  numRequests: number;
  tokensPerRequest: number;
  threads: number | null;
  tokensPerSecond: number;
  /** Main-thread event-loop delay while serving, milliseconds. */
  eventLoopDelayMs: { max: number; p99: number; mean: number };
  /** Fraction of the time the main thread was busy. */
  eventLoopUtilization: number;
  steps: number;
  stepMs: Summary;
}

function modelDir(spec: string): string {
  return spec === 'default' ? path.resolve(hipserveRoot(), '../shared/models/stories260K/hf') : spec;
}

async function eventLoopBench(spec: string, numRequests: number, tokens: number, promptLen: number, threads: number | null):
  Promise<EventLoopBenchResult> {
  const dir = modelDir(spec);
  const fake = spec === 'fake' || !existsSync(dir);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const model = fake
    ? { module: path.join(here, '../engine/fake-engine-model.js'), options: { vocabSize: 512, forwardDelayMs: 5 } }
    : { module: path.join(here, '../engine/load-engine-model.js'), options: { modelPath: dir } };
  const client = await EngineClient.start({ model, numThreads: threads ?? undefined,
    engine: { maxModelLen: promptLen + tokens + 16, maxNumSeqs: numRequests, maxNumBatchedTokens: Math.max(512, numRequests) } });
  const consume = async (prompt: number[], maxTokens: number, seed: number): Promise<number> => {
    let n = 0;
    for await (const o of client.generate({ promptTokenIds: prompt, samplingParams: { temperature: 0.8, seed, maxTokens, ignoreEos: true } })) {
      for (const c of o.outputs) n += c.tokenIds.length;
    }
    return n;
  };
  const promptOf = (i: number): number[] => [1, ...Array.from({ length: promptLen - 1 }, (_, k) => 3 + ((i * 131 + k * 17) % 500))];
  await consume(promptOf(0), 8, 0);
  const stepMs: number[] = [];
  const off = client.onStep((s) => stepMs.push(s.stepMs));
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const elu0 = performance.eventLoopUtilization();
  delay.enable();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: numRequests }, (_, i) => consume(promptOf(i), tokens, i)));
  const wallMs = performance.now() - t0;
  delay.disable();
  const elu = performance.eventLoopUtilization(elu0);
  off();
  await client.shutdown();
  return {
    model: fake ? 'fake' : 'stories260K', numRequests, tokensPerRequest: tokens, threads,
    tokensPerSecond: counts.reduce((a, b) => a + b, 0) / (wallMs / 1000),
    eventLoopDelayMs: { max: delay.max / 1e6, p99: delay.percentile(99) / 1e6, mean: delay.mean / 1e6 },
    eventLoopUtilization: elu.utilization, steps: stepMs.length, stepMs: summarize(stepMs),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string', default: 'default' }, requests: { type: 'string' },
    steps: { type: 'string' }, 'prompt-len': { type: 'string', default: '32' },
    threads: { type: 'string' }, json: { type: 'string' }, 'event-loop': { type: 'boolean', default: false } } });
  const promptLen = Number(values['prompt-len']);
  if (values['event-loop']) {
    const r = await eventLoopBench(values.model!, Number(values.requests ?? 64), Number(values.steps ?? 128), promptLen,
      values.threads ? Number(values.threads) : null);
    console.log(`${r.model} through EngineClient: ${r.numRequests} concurrent requests x ${r.tokensPerRequest} tokens, ` +
      `${r.tokensPerSecond.toFixed(0)} tokens/s, ${r.steps} steps (median ${r.stepMs.median.toFixed(2)} ms)\n` +
      `main-thread event-loop delay: max ${r.eventLoopDelayMs.max.toFixed(2)} ms, p99 ${r.eventLoopDelayMs.p99.toFixed(2)} ms, ` +
      `mean ${r.eventLoopDelayMs.mean.toFixed(2)} ms; utilization ${(r.eventLoopUtilization * 100).toFixed(1)}%`);
    if (values.json) writeFileSync(values.json, JSON.stringify(r, null, 2));
    return;
  }
  const numRequests = Number(values.requests ?? 256), numSteps = Number(values.steps ?? 64);
  const addon = loadAddon();
  if (values.threads) addon.setNumThreads(Number(values.threads));
  const maxModelLen = promptLen + numSteps + 64;
  const maxNumBatchedTokens = Math.max(2048, numRequests);
  const { model, tokenizer, name } = await loadModel(values.model!, maxModelLen, maxNumBatchedTokens);
  const engine = LLMEngine.create(model, tokenizer, {
    maxNumSeqs: numRequests, maxNumBatchedTokens, maxModelLen,
    numGpuBlocksOverride: numRequests * Math.ceil(maxModelLen / 16) + 1,
  });
  const core = engine.core;
  const vocab = core.vocabSize;
  for (let i = 0; i < numRequests; i++) {
    const prompt = [1, ...Array.from({ length: promptLen - 1 }, (_, k) => 3 + ((i * 131 + k * 17) % (vocab - 3)))];
    engine.addRequest({ requestId: `r${i}`, promptTokenIds: prompt, arrivalTime: nowMs(),
      samplingParams: resolveSamplingParams({ temperature: 0.8, seed: i, maxTokens: maxModelLen - promptLen, ignoreEos: true }) });
  }
  // Warm up until every request is decoding: one token each per step.
  for (let guard = 0; ; guard++) {
    const { stats } = engine.step();
    if (stats.numRunning === numRequests && stats.numScheduledTokens === numRequests && guard > 4) break;
    if (guard > 1000) throw new Error('the engine never reached steady decoding');
  }
  const parts = { schedulerMs: [] as number[], prepareMs: [] as number[], forwardMs: [] as number[], sampleMs: [] as number[],
    outputMs: [] as number[], stepMs: [] as number[], ratio: [] as number[] };
  for (let i = 0; i < numSteps; i++) {
    const t0 = performance.now();
    const { stats } = engine.step();
    const total = performance.now() - t0;
    const t = core.runner.lastTimings;
    parts.schedulerMs.push(stats.schedulerMs);
    parts.prepareMs.push(t.prepareMs);
    parts.forwardMs.push(t.forwardMs);
    parts.sampleMs.push(t.sampleMs);
    parts.outputMs.push(total - stats.stepMs);
    parts.stepMs.push(total);
    parts.ratio.push(stats.schedulerMs / t.forwardMs);
  }
  const result: SchedulerBenchResult = {
    model: name, numRequests, numSteps, threads: addon.numThreads(), isa: addon.cpuIsa(),
    schedulerMs: summarize(parts.schedulerMs), prepareMs: summarize(parts.prepareMs), forwardMs: summarize(parts.forwardMs),
    sampleMs: summarize(parts.sampleMs), outputMs: summarize(parts.outputMs), stepMs: summarize(parts.stepMs),
    schedulerToForward: summarize(parts.ratio).median,
  };
  const rows = (['schedulerMs', 'prepareMs', 'forwardMs', 'sampleMs', 'outputMs', 'stepMs'] as const)
    .map((k) => `${k.padEnd(12)} ${result[k].median.toFixed(3).padStart(9)} ${result[k].p90.toFixed(3).padStart(9)} ${result[k].mean.toFixed(3).padStart(9)}`);
  console.log(`${name}, ${numRequests} running requests decoding, ${numSteps} steps, ${result.threads} threads (${result.isa})\n` +
    `ms per step     median       p90      mean\n${rows.join('\n')}\n` +
    `scheduler / forward (median of per-step ratios): ${(result.schedulerToForward * 100).toFixed(1)}%`);
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
  engine.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
