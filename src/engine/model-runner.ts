import type { ModelRunnerOutput, SchedulerOutput } from './scheduler-output.js';

/** Turns a step's SchedulerOutput into sampled tokens (and logprobs); owns the model and its KV cache. */
export interface ModelRunner {
  readonly vocabSize: number;
  /** Where the last `execute` spent its time; forwardMs is the model's forward pass alone. */
  readonly lastTimings: RunnerTimings;
  execute(schedulerOutput: SchedulerOutput): ModelRunnerOutput;
  dispose(): void;
}

export interface RunnerTimings {
  prepareMs: number;
  forwardMs: number;
  sampleMs: number;
}
