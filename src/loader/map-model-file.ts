import { readFileSync } from 'node:fs';

import { loadAddon } from '../../bindings/addon.js';
import { ModelFileError } from '../errors.js';

/**
 * The bytes of a model file, memory-mapped (copy-on-write) through the addon so that only the pages a caller
 * touches are read and the OS can drop them again. Without a built addon (pure-TypeScript tools) the file is
 * read into memory instead.
 */
export function mapModelFile(file: string): Uint8Array {
  let map: ((path: string) => ArrayBuffer) | null = null;
  try {
    map = loadAddon().mapFile;
  } catch {
    map = null;
  }
  try {
    return map ? new Uint8Array(map(file)) : readFileSync(file);
  } catch (e) {
    throw new ModelFileError(file, 'file', `cannot be read: ${(e as Error).message}`);
  }
}
