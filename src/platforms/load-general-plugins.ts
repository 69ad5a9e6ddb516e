import type { ModelRegistry } from '../models/model-registry.js';
import { type DiscoveryOptions, discoverPlugins } from './discover-plugins.js';
import { callPlugin, loadPluginFunction } from './load-plugin.js';

/** What a general plugin's function receives: the parts of hipserve it may extend. */
export interface GeneralPluginContext {
  readonly modelRegistry: ModelRegistry;
}

/** Runs every discovered general plugin in turn (later ones override earlier ones' registry entries). */
export async function loadGeneralPlugins(context: GeneralPluginContext, options: DiscoveryOptions = {}): Promise<string[]> {
  const entries = discoverPlugins(options).filter((e) => e.group === 'generalPlugins');
  for (const entry of entries) await callPlugin(entry, await loadPluginFunction(entry), context);
  return entries.map((e) => e.name);
}
