import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');

export interface FixtureApp {
  readonly root: string;
  remove(): void;
}

/**
 * An application folder whose node_modules holds every fixture plugin package, while its package.json depends only
 * on `dependencies` (discovery must read only those).
 */
export function installFixtureApp(dependencies: readonly string[]): FixtureApp {
  const root = mkdtempSync(path.join(tmpdir(), 'hipserve-plugins-'));
  for (const name of readdirSync(FIXTURES)) {
    cpSync(path.join(FIXTURES, name), path.join(root, 'node_modules', name), { recursive: true });
  }
  const deps = Object.fromEntries(dependencies.map((name) => [name, '1.0.0']));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'fixture-app', dependencies: deps }));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
