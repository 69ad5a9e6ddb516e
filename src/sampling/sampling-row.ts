import type { Generator } from './generator.js';
import type { SamplingParams } from './sampling-params.js';

/** What the sampler reads about the request behind one logits row. */
export interface SamplingRow {
  readonly params: SamplingParams;
  readonly promptTokenIds: readonly number[];
  readonly outputTokenIds: readonly number[];
  readonly eosTokenIds: readonly number[];
  readonly generator: Generator;
}
