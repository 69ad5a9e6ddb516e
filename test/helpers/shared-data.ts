/** Paths into the read-only shared data (`../shared` beside the repository), which a fresh clone may lack. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function sharedPath(relative: string): string {
  return fileURLToPath(new URL(`../../../shared/${relative}`, import.meta.url));
}

export function hasShared(relative: string): boolean {
  return existsSync(sharedPath(relative));
}

/** The reason to skip when a shared file is absent, or false when it is there (for `describe.skipIf`). */
export function missingShared(relative: string): string | false {
  return hasShared(relative) ? false : `shared data ${sharedPath(relative)} is absent`;
}

/** A repository file (fixtures, scripts) by its path from the repository root. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}
