import type { ModelRunnerOutput, SchedulerOutput } from './scheduler-output.js';

/** Turns a step's SchedulerOutput into sampled tokens (and logprobs); owns the model and its KV cache. */
export interface ModelRunner {
  readonly vocabSize: number;
  execute(schedulerOutput: SchedulerOutput): ModelRunnerOutput;
  dispose(): void;
}
