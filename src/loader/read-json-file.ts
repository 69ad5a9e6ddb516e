import { readFileSync } from 'node:fs';

import { ModelFileError } from '../errors.js';

/** A model folder's JSON file (config, index, tokenizer), parsed; a ModelFileError naming `field` when it cannot be. */
export function readJsonFile(file: string, field = 'json'): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new ModelFileError(file, field, `cannot be read as JSON: ${(e as Error).message}`);
  }
}
