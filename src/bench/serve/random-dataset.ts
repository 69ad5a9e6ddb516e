import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { HipserveError } from '../../errors.js';
import type { SeededRandom } from '../seeded-random.js';
import { allowedTokenIds, numSpecialTokens, promptOfLength } from './prompt-of-length.js';
import type { SampleRequest } from './sample-request.js';

export interface RandomDatasetOptions {
  readonly numPrompts: number;
  readonly inputLen: number;
  readonly outputLen: number;
  /** Lengths are drawn uniformly from [len·(1 − r), len·(1 + r)]; r in [0, 1). */
  readonly rangeRatio: number;
  /** Tokens of one random prefix that every prompt starts with. */
  readonly prefixLen: number;
}

/**
 * vLLM's random dataset: per request an input length and output length drawn around the targets, a shared random
 * prefix, then a run of consecutive allowed ids from a random offset, turned into text of exactly that many tokens.
 * The prompt length counts the special tokens the server adds, so the server sees `inputLen` tokens.
 */
export function randomDataset(tokenizer: Tokenizer, o: RandomDatasetOptions, rng: SeededRandom): SampleRequest[] {
  if (!(o.rangeRatio >= 0 && o.rangeRatio < 1)) {
    throw new HipserveError('invalid_request', `--random-range-ratio must be in [0, 1), got ${o.rangeRatio}`, 'random-range-ratio');
  }
  const numSpecial = numSpecialTokens(tokenizer);
  const realInputLen = Math.max(0, o.inputLen - numSpecial);
  const inputLow = Math.floor(realInputLen * (1 - o.rangeRatio));
  const inputHigh = Math.ceil(realInputLen * (1 + o.rangeRatio));
  const outputLow = Math.max(1, Math.floor(o.outputLen * (1 - o.rangeRatio)));
  const outputHigh = Math.max(1, Math.ceil(o.outputLen * (1 + o.rangeRatio)));
  if (o.prefixLen + inputLow < 1) {
    throw new HipserveError('invalid_request', `--random-input-len ${o.inputLen} leaves no prompt tokens beside the ${numSpecial} special token(s) the tokenizer adds`, 'random-input-len');
  }
  const allowed = allowedTokenIds(tokenizer);
  const prefix = Array.from({ length: o.prefixLen }, () => allowed[rng.int(0, allowed.length - 1)]!);
  const requests: SampleRequest[] = [];
  for (let i = 0; i < o.numPrompts; i++) {
    const inputLen = rng.int(inputLow, inputHigh);
    const outputLen = rng.int(outputLow, outputHigh);
    const offset = rng.int(0, tokenizer.vocabSize - 1);
    const inner = Array.from({ length: inputLen }, (_, k) => allowed[(offset + i + k) % allowed.length]!);
    const { prompt, tokenIds } = promptOfLength(tokenizer, [...prefix, ...inner], o.prefixLen + inputLen, allowed, rng);
    requests.push({ prompt, promptLen: tokenIds.length + numSpecial, expectedOutputLen: outputLen });
  }
  return requests;
}
