import type { StepStats } from './engine-core.js';

/** The engine as metrics see it: the latest step's gauges plus counters since start. */
export interface EngineStats {
  readonly numRunning: number;
  readonly numWaiting: number;
  readonly kvCacheUsage: number;
  readonly numSteps: number;
  readonly numScheduledTokens: number;
  readonly numPreemptions: number;
  readonly prefixCacheQueries: number;
  readonly prefixCacheHits: number;
  readonly lastStep: StepStats | null;
}

export class EngineStatsAccumulator {
  private stats: EngineStats = {
    numRunning: 0, numWaiting: 0, kvCacheUsage: 0, numSteps: 0, numScheduledTokens: 0, numPreemptions: 0,
    prefixCacheQueries: 0, prefixCacheHits: 0, lastStep: null,
  };

  add(step: StepStats): void {
    const s = this.stats;
    this.stats = {
      numRunning: step.numRunning,
      numWaiting: step.numWaiting,
      kvCacheUsage: step.kvCacheUsage,
      numSteps: s.numSteps + 1,
      numScheduledTokens: s.numScheduledTokens + step.numScheduledTokens,
      numPreemptions: s.numPreemptions + step.numPreempted,
      prefixCacheQueries: s.prefixCacheQueries + step.prefixCache.queries,
      prefixCacheHits: s.prefixCacheHits + step.prefixCache.hits,
      lastStep: step,
    };
  }

  snapshot(): EngineStats {
    return this.stats;
  }
}
