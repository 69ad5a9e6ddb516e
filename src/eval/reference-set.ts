import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { HipserveError } from '../errors.js';
import { logSumExp } from '../sampling/logprobs.js';

/** One stored greedy continuation: the prompt's ids, the ids a reference implementation produced after it. */
export interface ReferenceCase {
  readonly promptTokenIds: readonly number[];
  readonly tokenIds: readonly number[];
  /**
   * Reference log-probabilities over the whole vocabulary at some steps: step s is the distribution of the token
   * after the prompt and the first s reference tokens.
   */
  readonly distributions: ReadonlyMap<number, Float64Array>;
}

export interface ReferenceSet {
  /** Who produced it (e.g. "transformers 5.17.0", "llama.cpp via node-llama-cpp@3.21.1"). */
  readonly source: string;
  readonly file: string;
  readonly cases: readonly ReferenceCase[];
}

function logSoftmax(logits: readonly number[]): Float64Array {
  const lse = logSumExp(Float32Array.from(logits));
  return Float64Array.from(logits, (x) => x - lse);
}

const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/**
 * Reads a reference file in either stored form:
 * - transformers (test/fixtures/models/NAME/reference.json): `{transformers, cases: [{prompt, greedy, last_logits,
 *   final_logits}]}`, logits after the prompt and after the last greedy token;
 * - llama.cpp (test/fixtures/llamacpp/NAME.json): `{reference, promptTokens, tokens}`, ids only.
 * A model folder stands for its reference.json.
 */
export function readReferenceSet(fileOrFolder: string): ReferenceSet {
  const file = existsSync(fileOrFolder) && statSync(fileOrFolder).isDirectory() ? path.join(fileOrFolder, 'reference.json') : fileOrFolder;
  if (!existsSync(file)) throw new HipserveError('invalid_request', `${file}: no such reference file`, 'reference');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new HipserveError('invalid_request', `${file}: not JSON: ${(e as Error).message}`, 'reference');
  }
  if (Array.isArray(json.cases)) {
    const cases = (json.cases as Record<string, unknown>[]).map((c, i) => {
      if (!isIds(c.prompt) || !isIds(c.greedy)) throw new HipserveError('invalid_request', `${file}: cases[${i}] needs prompt and greedy token ids`, 'reference');
      const distributions = new Map<number, Float64Array>();
      if (Array.isArray(c.last_logits)) distributions.set(0, logSoftmax(c.last_logits as number[]));
      if (Array.isArray(c.final_logits)) distributions.set(c.greedy.length, logSoftmax(c.final_logits as number[]));
      return { promptTokenIds: c.prompt, tokenIds: c.greedy, distributions };
    });
    return { source: typeof json.transformers === 'string' ? `transformers ${json.transformers}` : 'reference', file, cases };
  }
  if (isIds(json.promptTokens) && isIds(json.tokens)) {
    return { source: typeof json.reference === 'string' ? json.reference : 'reference', file,
      cases: [{ promptTokenIds: json.promptTokens, tokenIds: json.tokens, distributions: new Map() }] };
  }
  throw new HipserveError('invalid_request', `${file}: neither a transformers reference ({cases}) nor a llama.cpp one ({promptTokens, tokens})`, 'reference');
}
