/** Which installed plugins the environment lets load (built-ins always load). */
export interface PluginFilter {
  allows(name: string): boolean;
}

/**
 * HIPSERVE_DISABLE_PLUGINS=1 (or true) loads none; HIPSERVE_PLUGINS=a,b loads only the plugins of those names;
 * neither loads all.
 */
export function pluginFilterFromEnv(env: NodeJS.ProcessEnv): PluginFilter {
  const disabled = env.HIPSERVE_DISABLE_PLUGINS;
  if (disabled !== undefined && ['1', 'true', 'yes'].includes(disabled.trim().toLowerCase())) {
    return { allows: () => false };
  }
  const only = env.HIPSERVE_PLUGINS;
  if (only === undefined) return { allows: () => true };
  const names = new Set(only.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
  return { allows: (name) => names.has(name) };
}
