import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { HipserveError } from '../../errors.js';
import { SeededRandom } from '../seeded-random.js';
import { arrivalTimes } from './arrival-times.js';
import { sendRequest, type RequestInput, type RequestOutput } from './openai-request.js';
import type { SampleRequest } from './sample-request.js';
import { Semaphore } from './semaphore.js';
import { serveMetrics, type LatencyMetric, type ServeMetrics, type Slos } from './serve-metrics.js';

export interface ServeBenchOptions {
  /** Everything of a request but its prompt and lengths. */
  readonly request: Omit<RequestInput, 'prompt' | 'promptLen' | 'outputLen'>;
  /** Requests per second; Infinity sends them all at once. */
  readonly requestRate: number;
  readonly burstiness: number;
  /** Requests in flight at most; null: no limit. */
  readonly maxConcurrency: number | null;
  readonly numWarmups: number;
  readonly seed: number;
  readonly percentiles: readonly number[];
  readonly percentileMetrics: readonly LatencyMetric[];
  readonly goodput: Slos;
}

export interface ServeBenchHooks {
  readonly log?: (line: string) => void;
  /** Called as each measured request finishes. */
  readonly onRequestDone?: (done: number, total: number) => void;
}

export interface ServeBenchRun {
  readonly metrics: ServeMetrics;
  readonly outputs: readonly RequestOutput[];
}

const inputOf = (o: ServeBenchOptions, r: SampleRequest): RequestInput =>
  ({ ...o.request, prompt: r.prompt, promptLen: r.promptLen, outputLen: r.expectedOutputLen });

/**
 * vLLM's `bench serve` loop: one test request (a misconfigured run fails here, not after a thousand requests),
 * optional warm-up requests, then every request sent at its arrival time, waiting for a concurrency slot when
 * --max-concurrency is set. The duration runs from the first arrival to the last response.
 */
export async function runServeBenchmark(requests: readonly SampleRequest[], o: ServeBenchOptions,
  hooks: ServeBenchHooks = {}): Promise<ServeBenchRun> {
  if (requests.length === 0) throw new HipserveError('invalid_request', 'the dataset gave no requests', 'num-prompts');
  const log = hooks.log ?? (() => {});
  const clock = (): number => performance.now() / 1000;

  log('Starting initial single prompt test run...');
  const test = await sendRequest(inputOf(o, requests[0]!), clock);
  if (!test.success) {
    throw new HipserveError('invalid_request', `the initial test request to ${o.request.apiUrl} failed: ${test.error}`);
  }
  log('Initial test run completed.');
  const slots = o.maxConcurrency === null ? null : new Semaphore(o.maxConcurrency);
  const limited = async (input: RequestInput): Promise<RequestOutput> => {
    const arrived = clock();
    await slots?.acquire();
    try {
      const out = await sendRequest(input, clock);
      out.clientQueueTime = out.startTime - arrived;
      return out;
    } finally {
      slots?.release();
    }
  };
  if (o.numWarmups > 0) {
    log(`Warming up with ${o.numWarmups} requests...`);
    await Promise.all(Array.from({ length: o.numWarmups }, () => limited(inputOf(o, requests[0]!))));
  }

  const distribution = o.burstiness === 1 ? 'Poisson process' : 'Gamma distribution';
  log(`Traffic request rate: ${o.requestRate === Infinity ? 'inf' : o.requestRate}`);
  log(`Burstiness factor: ${o.burstiness} (${distribution})`);
  log(`Maximum request concurrency: ${o.maxConcurrency ?? 'None'}`);
  const arrivals = arrivalTimes(requests.length, o.requestRate, o.burstiness, new SeededRandom(o.seed));
  const start = clock();
  let done = 0;
  const tasks: Promise<RequestOutput>[] = [];
  for (const [i, r] of requests.entries()) {
    const wait = start + arrivals[i]! - clock();
    if (wait > 0) await sleep(wait * 1000);
    tasks.push(limited(inputOf(o, r)).then((out) => {
      hooks.onRequestDone?.(++done, requests.length);
      return out;
    }));
  }
  const outputs = await Promise.all(tasks);
  const duration = clock() - start;
  for (const out of outputs) out.startTime -= start;
  return { metrics: serveMetrics(outputs, duration, o.percentiles, o.percentileMetrics, o.goodput), outputs };
}
