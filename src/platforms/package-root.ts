import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `start` whose package.json satisfies `accept` (any package.json by default). */
export function findPackageRoot(start: string, accept: (pkg: { name?: string }) => boolean = () => true): string | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && accept(JSON.parse(readFileSync(file, 'utf8')) as { name?: string })) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/** hipserve's own package folder, from wherever this module runs (src/ or dist/src/). */
export function hipserveRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = findPackageRoot(here, (pkg) => pkg.name === 'hipserve');
  if (root === null) throw new Error(`hipserve: cannot find the package root from ${here}`);
  return root;
}
