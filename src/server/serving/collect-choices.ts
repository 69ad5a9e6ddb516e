import type { PositionLogprobs } from '../../sampling/logprobs.js';
import type { ChoiceEvent, GenerationRun } from './generation-run.js';

/** One completion, gathered whole. */
export interface CollectedChoice {
  readonly index: number;
  readonly promptIndex: number;
  text: string;
  readonly tokenIds: number[];
  readonly logprobs: PositionLogprobs[];
  finishReason: string | null;
  stopReason: string | number | null;
}

export interface CollectedRun {
  /** By choice index. */
  readonly choices: CollectedChoice[];
  /** By prompt index. */
  readonly promptLogprobs: ((PositionLogprobs | null)[] | null)[];
}

function addEvent(choice: CollectedChoice, event: ChoiceEvent): void {
  const { delta } = event;
  choice.text += delta.text;
  choice.tokenIds.push(...delta.tokenIds);
  if (delta.logprobs) choice.logprobs.push(...delta.logprobs);
  if (delta.finishReason !== null) {
    choice.finishReason = delta.finishReason;
    choice.stopReason = delta.stopReason;
  }
}

/** Runs to the end and returns every completion in choice order. */
export async function collectChoices(run: GenerationRun): Promise<CollectedRun> {
  const n = run.params.n;
  const choices: CollectedChoice[] = Array.from({ length: run.prompts.length * n }, (_, index) => ({
    index, promptIndex: Math.floor(index / n), text: '', tokenIds: [], logprobs: [], finishReason: null, stopReason: null,
  }));
  const promptLogprobs: ((PositionLogprobs | null)[] | null)[] = run.prompts.map(() => null);
  for await (const event of run.events()) {
    addEvent(choices[event.index]!, event);
    if (event.output.promptLogprobs) promptLogprobs[event.promptIndex] = [...event.output.promptLogprobs];
  }
  return { choices, promptLogprobs };
}
