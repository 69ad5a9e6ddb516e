/** Paths into the read-only shared data (`../shared` from the repository root). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function sharedPath(relative: string): string {
  return fileURLToPath(new URL(`../../../shared/${relative}`, import.meta.url));
}

/** The reason to skip when a shared file is absent, or false when it is there (for `describe.skipIf`). */
export function missingShared(relative: string): string | false {
  return existsSync(sharedPath(relative)) ? false : `shared data ${sharedPath(relative)} is absent`;
}
