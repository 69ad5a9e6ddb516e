import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface DelayReport {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
}

/** Runs `work` while sampling the main thread's event-loop delay every millisecond. */
export async function measureEventLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; delay: DelayReport }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const result = await work();
  h.disable();
  return { result, delay: { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, meanMs: h.mean / 1e6 } };
}

/**
 * Reports the delay beside the test's functional checks. It is not asserted: the project measures speed with
 * benchmarks, not timed tests (on a shared 2-core machine the OS alone holds runnable threads for ~20 ms). The
 * number the serving-core issue asks for comes from `node dist/src/bench/scheduler.js --event-loop`.
 */
export function reportEventLoopDelay(label: string, d: DelayReport): void {
  console.log(`${label}: event-loop delay max ${d.maxMs.toFixed(2)} ms, p99 ${d.p99Ms.toFixed(2)} ms, mean ` +
    `${d.meanMs.toFixed(2)} ms`);
}
