import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

import { HipserveError } from '../errors.js';
import { findPackageRoot, hipserveRoot } from './package-root.js';
import { pluginFilterFromEnv } from './plugin-env.js';
import { dependencyNames, type PluginEntry, readPackageJson, readPluginEntries } from './plugin-manifest.js';

export interface DiscoveryOptions {
  /** The application's package folder; default: the nearest package.json at or above the working directory. */
  appRoot?: string;
  /** Where HIPSERVE_PLUGINS / HIPSERVE_DISABLE_PLUGINS are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The folder node would load `name` from when required by code in `fromDir`, or null when not installed. */
function installedPackageDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * Every plugin hipserve itself, the application and the application's installed dependencies declare, filtered
 * by the environment. Plugin names are unique: two packages declaring one name is an error.
 */
export function discoverPlugins(options: DiscoveryOptions = {}): PluginEntry[] {
  const project = hipserveRoot();
  const appRoot = options.appRoot ?? findPackageRoot(process.cwd()) ?? project;
  const filter = pluginFilterFromEnv(options.env ?? process.env);
  const dependencies = dependencyNames(readPackageJson(appRoot) ?? {})
    .map((name) => installedPackageDir(name, appRoot))
    .filter((dir): dir is string => dir !== null);

  const seenDirs = new Set<string>();
  const entries: PluginEntry[] = [];
  for (const dir of [project, appRoot, ...dependencies]) {
    const real = realpathSync(dir);
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    const builtIn = real === realpathSync(project);
    entries.push(...readPluginEntries(dir, builtIn).filter((e) => e.builtIn || filter.allows(e.name)));
  }

  const byName = new Map<string, PluginEntry>();
  for (const entry of entries) {
    const key = `${entry.group}:${entry.name}`;
    const other = byName.get(key);
    if (other) {
      throw new HipserveError('plugin_error',
        `plugin "${entry.name}" is declared by both ${other.packageName} and ${entry.packageName}`);
    }
    byName.set(key, entry);
  }
  return entries;
}
