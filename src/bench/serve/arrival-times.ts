import type { SeededRandom } from '../seeded-random.js';

/**
 * When each of `n` requests is sent, in seconds from the start (vLLM's get_request): all at 0 for an infinite rate
 * (a burst); otherwise gaps drawn from Gamma(burstiness, 1 / (rate · burstiness)) — exponential, i.e. a Poisson
 * process, at burstiness 1; burstier below 1, more regular above — then scaled so the last request leaves at
 * n / rate, which steadies the measured throughput across seeds.
 */
export function arrivalTimes(n: number, requestRate: number, burstiness: number, rng: SeededRandom): number[] {
  if (!(burstiness > 0)) throw new RangeError(`burstiness must be positive, got ${burstiness}`);
  if (!(requestRate > 0)) throw new RangeError(`request rate must be positive, got ${requestRate}`);
  if (requestRate === Infinity) return new Array<number>(n).fill(0);
  const times: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += burstiness === Infinity ? 1 / requestRate : rng.gamma(burstiness, 1 / (requestRate * burstiness));
    times.push(t);
  }
  const last = times[n - 1];
  if (!last) return times;
  const scale = n / requestRate / last;
  return times.map((x) => x * scale);
}
