import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { HipserveError } from '../errors.js';
import type { PluginEntry } from './plugin-manifest.js';

// Running from the TypeScript sources (vitest, tsx) there is no dist/: hipserve's own entries then load the
// source file the declared ./dist/<path>.js is compiled from.
const runningFromSource = import.meta.url.endsWith('.ts');

function entryFile(entry: PluginEntry): string {
  const declared = path.resolve(entry.packageDir, entry.file);
  const match = /^\.\/dist\/(.+)\.js$/.exec(entry.file);
  if (entry.builtIn && runningFromSource && match) {
    const source = path.resolve(entry.packageDir, `${match[1]}.ts`);
    if (existsSync(source)) return source;
  }
  return declared;
}

/** Imports the function a plugin entry names; any failure is a plugin_error naming the package and plugin. */
export async function loadPluginFunction(entry: PluginEntry): Promise<(...args: unknown[]) => unknown> {
  const where = `plugin "${entry.name}" of ${entry.packageName}`;
  const file = entryFile(entry);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HipserveError('plugin_error', `${where}: cannot import ${file}: ${(err as Error).message}`);
  }
  const fn = module[entry.exportName];
  if (typeof fn !== 'function') {
    throw new HipserveError('plugin_error', `${where}: ${entry.file} has no exported function "${entry.exportName}"`);
  }
  return fn as (...args: unknown[]) => unknown;
}

/** Calls a plugin's function, turning a throw into a plugin_error that names it. */
export async function callPlugin(entry: PluginEntry, fn: (...args: unknown[]) => unknown, ...args: unknown[]): Promise<unknown> {
  try {
    return await fn(...args);
  } catch (err) {
    if (err instanceof HipserveError) throw err;
    throw new HipserveError('plugin_error', `plugin "${entry.name}" of ${entry.packageName} failed: ${(err as Error).message}`);
  }
}
