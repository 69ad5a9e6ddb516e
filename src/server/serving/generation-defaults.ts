import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { ModelFileError } from '../../errors.js';
import { readJsonFile } from '../../loader/read-json-file.js';
import type { SamplingDefaults } from './request-sampling.js';

const FIELDS: readonly [string, keyof SamplingDefaults][] = [
  ['temperature', 'temperature'], ['top_p', 'topP'], ['top_k', 'topK'], ['min_p', 'minP'],
  ['repetition_penalty', 'repetitionPenalty'], ['max_new_tokens', 'maxTokens'],
];

/**
 * `--generation-config`: 'auto' reads the model folder's generation_config.json (a GGUF file has none), 'vllm' uses
 * none, anything else is a folder holding one. Only the sampling fields vLLM takes from it are kept.
 */
export function loadSamplingDefaults(option: string, modelPath: string): SamplingDefaults {
  if (option === 'vllm') return {};
  // A GGUF file carries no generation config; a folder beside it may belong to anything.
  if (option === 'auto' && !statSync(modelPath).isDirectory()) return {};
  const folder = option === 'auto' ? modelPath : option;
  const file = path.join(folder, 'generation_config.json');
  if (!existsSync(file)) {
    if (option === 'auto') return {};
    throw new ModelFileError(file, '(file)', 'not found (--generation-config names a folder holding generation_config.json)');
  }
  const raw = readJsonFile(file, '(file)') as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const [key, name] of FIELDS) if (typeof raw[key] === 'number') out[name] = raw[key];
  return out;
}
