/** vLLM's histogram buckets, so dashboards built for vLLM read hipserve the same way. */

export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
  20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];

export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
  20.0, 40.0, 80.0];

export const LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
  240.0, 480.0, 960.0, 1920.0, 7680.0];

export const N_BUCKETS = [1, 2, 5, 10, 20];

/** 1, 2, 5, 10, 20, 50, ... up to `max` (vLLM's build_1_2_5_buckets). */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let exponent = 0; ; exponent++) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * 10 ** exponent;
      if (value > max) return out;
      out.push(value);
    }
  }
}

/** Step sizes up to the token budget (vLLM's iteration_tokens buckets). */
export function iterationTokenBuckets(maxNumBatchedTokens: number): number[] {
  return [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384].filter((b) => b <= maxNumBatchedTokens);
}
