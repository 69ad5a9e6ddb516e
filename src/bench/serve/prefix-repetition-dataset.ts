import { HipserveError } from '../../errors.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import type { SeededRandom } from '../seeded-random.js';
import { allowedTokenIds, numSpecialTokens, promptOfLength } from './prompt-of-length.js';
import type { SampleRequest } from './sample-request.js';

export interface PrefixRepetitionOptions {
  readonly numPrompts: number;
  readonly prefixLen: number;
  readonly suffixLen: number;
  readonly numPrefixes: number;
  readonly outputLen: number;
}

/**
 * vLLM's prefix_repetition dataset, which exercises prefix caching: `numPrefixes` random prefixes, each shared by
 * numPrompts / numPrefixes prompts that differ in a random suffix; the prompts are shuffled.
 */
export function prefixRepetitionDataset(tokenizer: Tokenizer, o: PrefixRepetitionOptions, rng: SeededRandom): SampleRequest[] {
  const perPrefix = Math.floor(o.numPrompts / o.numPrefixes);
  if (perPrefix === 0) {
    throw new HipserveError('invalid_request', `--num-prompts (${o.numPrompts}) must be at least --prefix-repetition-num-prefixes (${o.numPrefixes})`, 'num-prompts');
  }
  const allowed = allowedTokenIds(tokenizer);
  const numSpecial = numSpecialTokens(tokenizer);
  const exact = (length: number): number[] =>
    promptOfLength(tokenizer, Array.from({ length }, () => allowed[rng.int(0, allowed.length - 1)]!), length, allowed, rng).tokenIds;
  const requests: SampleRequest[] = [];
  for (let p = 0; p < o.numPrefixes; p++) {
    const prefix = exact(o.prefixLen);
    for (let s = 0; s < perPrefix; s++) {
      const ids = [...prefix, ...exact(o.suffixLen)];
      requests.push({ prompt: tokenizer.decode(ids, { skipSpecialTokens: false }), promptLen: ids.length + numSpecial,
        expectedOutputLen: o.outputLen });
    }
  }
  return rng.shuffle(requests);
}
