/** Wall-clock timing for micro-benchmarks: warm up, repeat until enough time has passed, take the median. */
export interface TimingOptions {
  warmup?: number;
  minReps?: number;
  maxReps?: number;
  minSeconds?: number;
}

export function medianSeconds(fn: (rep: number) => void, opts: TimingOptions = {}): number {
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
  return median(times);
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
