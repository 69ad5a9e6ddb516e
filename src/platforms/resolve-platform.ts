import { HipserveError } from '../errors.js';
import { type DiscoveryOptions, discoverPlugins } from './discover-plugins.js';
import { callPlugin, loadPluginFunction } from './load-plugin.js';
import { isPlatform, type Platform } from './platform.js';
import type { PluginEntry } from './plugin-manifest.js';

/** Built-in platforms in order of preference when no installed platform is activated. */
export const BUILT_IN_PLATFORMS: readonly string[] = ['rocm', 'cuda', 'cpu'];

async function activate(entry: PluginEntry): Promise<Platform | null> {
  const result = await callPlugin(entry, await loadPluginFunction(entry));
  if (result === null || result === undefined) return null;
  if (!isPlatform(result)) {
    throw new HipserveError('plugin_error',
      `platform plugin "${entry.name}" of ${entry.packageName} returned something that is not a Platform`);
  }
  return result;
}

function preference(entry: PluginEntry): number {
  const i = BUILT_IN_PLATFORMS.indexOf(entry.name);
  return i < 0 ? BUILT_IN_PLATFORMS.length : i;
}

/**
 * HIPSERVE_DEVICE=<name> picks one platform (cpu, cuda, rocm or an installed plugin's) and fails when it does not
 * activate. Otherwise the platform this process runs on is the one installed platform plugin that activates (returns a Platform), else
 * the first built-in that does. Two activated installed platforms are an error, since neither may silently win.
 */
export async function resolvePlatform(options: DiscoveryOptions = {}): Promise<Platform> {
  const wanted = (options.env ?? process.env).HIPSERVE_DEVICE?.trim();
  const entries = discoverPlugins(options).filter((e) => e.group === 'platformPlugins' && (!wanted || e.name === wanted));
  if (wanted) {
    for (const entry of entries) {
      const platform = await activate(entry);
      if (platform) return platform;
    }
    throw new HipserveError('plugin_error', entries.length === 0
      ? `HIPSERVE_DEVICE=${wanted} names no platform plugin (built-in: ${BUILT_IN_PLATFORMS.join(', ')})`
      : `HIPSERVE_DEVICE=${wanted}: that platform is not available here (for cuda/rocm: an addon built with ` +
        'HIPSERVE_GPU and a visible device)');
  }
  const activated: { entry: PluginEntry; platform: Platform }[] = [];
  for (const entry of entries.filter((e) => !e.builtIn)) {
    const platform = await activate(entry);
    if (platform) activated.push({ entry, platform });
  }
  if (activated.length > 1) {
    const names = activated.map(({ entry }) => `"${entry.name}" (${entry.packageName})`).join(', ');
    throw new HipserveError('plugin_error',
      `more than one platform plugin is active: ${names}; choose one with HIPSERVE_PLUGINS=<name>`);
  }
  if (activated[0]) return activated[0].platform;

  for (const entry of entries.filter((e) => e.builtIn).sort((a, b) => preference(a) - preference(b))) {
    const platform = await activate(entry);
    if (platform) return platform;
  }
  throw new HipserveError('plugin_error', 'no platform plugin is active, not even the built-in cpu platform');
}
