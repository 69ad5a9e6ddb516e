import { readFileSync } from 'node:fs';

import { HipserveError } from '../../errors.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import type { SeededRandom } from '../seeded-random.js';
import type { SampleRequest } from './sample-request.js';

export interface ShareGptOptions {
  readonly numPrompts: number;
  /** Ask for this many tokens instead of the length of the recorded reply. */
  readonly outputLen: number | null;
}

interface Conversation {
  conversations?: { from?: string; value?: unknown }[];
}

/** vLLM's is_valid_sequence: drop very short pairs and those too long for a 2k context. */
function isValidPair(promptLen: number, outputLen: number, fixedOutputLen: boolean): boolean {
  if (promptLen < 4 || (!fixedOutputLen && outputLen < 4)) return false;
  return promptLen <= 1024 && promptLen + outputLen <= 2048;
}

/**
 * A ShareGPT-format JSON file (an array of `{conversations: [{from, value}, ...]}`): the first turn of each
 * conversation with two or more turns is the prompt, the second's token count the output length; the entries are
 * shuffled and sampled in order, repeated when there are fewer valid ones than asked for.
 */
export function shareGptDataset(file: string, tokenizer: Tokenizer, o: ShareGptOptions, rng: SeededRandom): SampleRequest[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new HipserveError('invalid_request', `${file}: not a readable JSON file: ${(e as Error).message}`, 'dataset-path');
  }
  if (!Array.isArray(data)) throw new HipserveError('invalid_request', `${file}: expected a JSON array of conversations`, 'dataset-path');
  const entries = rng.shuffle((data as Conversation[]).filter((e) =>
    Array.isArray(e?.conversations) && e.conversations.length >= 2 &&
    typeof e.conversations[0]!.value === 'string' && typeof e.conversations[1]!.value === 'string'));
  const samples: SampleRequest[] = [];
  for (const entry of entries) {
    if (samples.length >= o.numPrompts) break;
    const [prompt, reply] = entry.conversations!.map((turn) => turn.value as string);
    const promptLen = tokenizer.encode(prompt!, { addSpecialTokens: true }).length;
    const outputLen = o.outputLen ?? tokenizer.encode(reply!, { addSpecialTokens: true }).length;
    if (isValidPair(promptLen, outputLen, o.outputLen !== null)) samples.push({ prompt: prompt!, promptLen, expectedOutputLen: outputLen });
  }
  if (samples.length === 0) throw new HipserveError('invalid_request', `${file}: no conversation fits (prompt 4..1024 tokens, prompt + reply <= 2048)`, 'dataset-path');
  for (let i = 0; samples.length < o.numPrompts; i++) samples.push(samples[i]!);
  return samples;
}
