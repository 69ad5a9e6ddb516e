/** Wall-clock timing for micro-benchmarks: warm up, repeat until enough time has passed; median and best. */
import { median } from './stats.js';

export interface TimingOptions {
  warmup?: number;
  minReps?: number;
  maxReps?: number;
  minSeconds?: number;
}

export interface Timing {
  median: number;
  best: number;
  reps: number;
}

export function timeCalls(fn: (rep: number) => void, opts: TimingOptions = {}): Timing {
  const { warmup = 2, minReps = 5, maxReps = 200, minSeconds = 0.5 } = opts;
  for (let i = 0; i < warmup; i++) fn(i);
  const times: number[] = [];
  const start = process.hrtime.bigint();
  while (times.length < maxReps &&
    (times.length < minReps || Number(process.hrtime.bigint() - start) / 1e9 < minSeconds)) {
    const t0 = process.hrtime.bigint();
    fn(warmup + times.length);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { median: median(times), best: Math.min(...times), reps: times.length };
}
