import { readFileSync } from 'node:fs';
import path from 'node:path';

import { hipserveRoot } from '../platforms/package-root.js';

/** hipserve's version, from its package.json. */
export function hipserveVersion(): string {
  return (JSON.parse(readFileSync(path.join(hipserveRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
