import { existsSync } from 'node:fs';

import { HipserveError } from '../../errors.js';
import { readHubEnv } from '../../server/hub/hub-env.js';
import { resolveModel } from '../../server/hub/resolve-model.js';
import { loadTokenizer } from '../../tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';

interface ModelCard {
  id: string;
  root?: string | null;
}

/** The first model a server lists (GET /v1/models), with its `root` (vLLM and hipserve: the model's path or repo). */
export async function firstServedModel(baseUrl: string, headers: Readonly<Record<string, string>>): Promise<ModelCard> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1/models`, { headers });
  } catch (e) {
    throw new HipserveError('invalid_request', `cannot reach ${baseUrl}/v1/models: ${(e as Error).message}; is the server running?`, 'base-url');
  }
  if (!response.ok) throw new HipserveError('invalid_request', `${baseUrl}/v1/models answered HTTP ${response.status}`, 'base-url');
  const list = (await response.json()) as { data?: ModelCard[] };
  const first = list.data?.[0];
  if (!first) throw new HipserveError('invalid_request', `${baseUrl} serves no model`, 'base-url');
  return first;
}

export interface ResolvedTokenizer {
  readonly tokenizer: Tokenizer;
  /** The folder or file it came from. */
  readonly path: string;
}

/**
 * The tokenizer that counts and builds prompts: a local model folder or GGUF file, else a Hugging Face repo id
 * fetched through the hub cache (as `hipserve serve` would).
 */
export async function resolveTokenizer(spec: string): Promise<ResolvedTokenizer> {
  const modelPath = existsSync(spec) ? spec : (await resolveModel(spec, readHubEnv())).modelPath;
  return { tokenizer: loadTokenizer(modelPath), path: modelPath };
}
