import type { PrefixCacheStats } from '../kvcache/kv-cache-manager.js';

/** The scheduler's state after a step, for metrics and logs. */
export interface SchedulerStats {
  readonly numRunning: number;
  readonly numWaiting: number;
  /** Fraction of usable KV blocks held by requests. */
  readonly kvCacheUsage: number;
  /** Prefix-cache lookups of requests admitted during the step. */
  readonly prefixCache: PrefixCacheStats;
  readonly numScheduledTokens: number;
  readonly numPreempted: number;
}
