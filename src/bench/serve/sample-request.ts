/** One request of a serving benchmark: the prompt, its length in tokens, and how many tokens to ask for. */
export interface SampleRequest {
  readonly prompt: string;
  readonly promptLen: number;
  readonly expectedOutputLen: number;
}
