import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { HipserveError } from '../errors.js';

export type PluginGroup = 'platformPlugins' | 'generalPlugins';

/** One plugin a package declares: `"hipserve": { "<group>": { "<name>": "./file.js#export" } }`. */
export interface PluginEntry {
  readonly group: PluginGroup;
  readonly name: string;
  readonly packageName: string;
  readonly packageDir: string;
  /** The declared file, relative to packageDir. */
  readonly file: string;
  readonly exportName: string;
  /** Declared by hipserve itself: always loaded, and outranked by any activated installed platform. */
  readonly builtIn: boolean;
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  hipserve?: Partial<Record<PluginGroup, Record<string, unknown>>>;
}

export function readPackageJson(packageDir: string): PackageJson | null {
  const file = path.join(packageDir, 'package.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch (err) {
    throw new HipserveError('plugin_error', `${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** The plugins the package in `packageDir` declares, in declaration order. */
export function readPluginEntries(packageDir: string, builtIn: boolean): PluginEntry[] {
  const pkg = readPackageJson(packageDir);
  if (!pkg?.hipserve) return [];
  const packageName = pkg.name ?? path.basename(packageDir);
  const entries: PluginEntry[] = [];
  for (const group of ['platformPlugins', 'generalPlugins'] as const) {
    for (const [name, spec] of Object.entries(pkg.hipserve[group] ?? {})) {
      const where = `${packageName}: hipserve.${group}.${name}`;
      if (typeof spec !== 'string') throw new HipserveError('plugin_error', `${where}: expected "./file.js#export"`);
      const [file = '', exportName = 'default', ...rest] = spec.split('#');
      const resolved = path.resolve(packageDir, file);
      if (rest.length > 0 || !file.startsWith('./') || !resolved.startsWith(path.resolve(packageDir) + path.sep)) {
        throw new HipserveError('plugin_error', `${where}: "${spec}" must be "./file.js#export" inside the package`);
      }
      entries.push({ group, name, packageName, packageDir, file, exportName, builtIn });
    }
  }
  return entries;
}

export function dependencyNames(pkg: PackageJson): string[] {
  return [...new Set([pkg.dependencies, pkg.optionalDependencies, pkg.devDependencies]
    .flatMap((deps) => Object.keys(deps ?? {})))];
}
