import { afterEach, describe, expect, it } from 'vitest';

import { discoverPlugins } from '../../src/platforms/discover-plugins.js';
import { resolvePlatform } from '../../src/platforms/resolve-platform.js';
import { type FixtureApp, installFixtureApp } from './install-fixture-app.js';

const FAKE = 'hipserve-plugin-fake-gpu';
const OTHER = 'hipserve-plugin-other-gpu';
const BROKEN = 'hipserve-plugin-broken';

let app: FixtureApp | null = null;
afterEach(() => {
  app?.remove();
  app = null;
});

function withApp(deps: string[]): string {
  app = installFixtureApp(deps);
  return app.root;
}

describe('platform plugin discovery', () => {
  it('falls back to the built-in cpu platform when no plugin is installed', async () => {
    const platform = await resolvePlatform({ appRoot: withApp([]), env: {} });
    expect(platform.name).toBe('cpu');
  });

  it('lists the built-in cpu plugin from hipserve\'s own package.json', () => {
    const entries = discoverPlugins({ appRoot: withApp([]), env: {} });
    expect(entries).toContainEqual(expect.objectContaining({ group: 'platformPlugins', name: 'cpu', builtIn: true }));
  });

  it('lets the one activated installed platform win over the built-ins', async () => {
    const platform = await resolvePlatform({ appRoot: withApp([FAKE]), env: {} });
    expect(platform.name).toBe('fake_gpu');
    expect(platform.deviceCount()).toBe(2);
  });

  it('skips a plugin whose hardware is absent (it returns null)', async () => {
    const platform = await resolvePlatform({ appRoot: withApp([FAKE]), env: { HIPSERVE_PLUGINS: 'absent_gpu' } });
    expect(platform.name).toBe('cpu');
  });

  it('refuses two activated installed platforms, naming both', async () => {
    const err = await resolvePlatform({ appRoot: withApp([FAKE, OTHER]), env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'plugin_error' });
    expect((err as Error).message).toMatch(/fake_gpu.*other_gpu/);
  });

  it('HIPSERVE_DEVICE picks one platform, even a built-in over an installed one', async () => {
    const root = withApp([FAKE, OTHER]);
    expect((await resolvePlatform({ appRoot: root, env: { HIPSERVE_DEVICE: 'cpu' } })).name).toBe('cpu');
    expect((await resolvePlatform({ appRoot: root, env: { HIPSERVE_DEVICE: 'other_gpu' } })).name).toBe('other_gpu');
  });

  it('HIPSERVE_DEVICE fails clearly when that platform is absent or unknown', async () => {
    const root = withApp([FAKE]);
    // The built-in cuda platform activates only with a CUDA addon and a device, which the CPU build never has.
    await expect(resolvePlatform({ appRoot: root, env: { HIPSERVE_DEVICE: 'cuda' } }))
      .rejects.toMatchObject({ code: 'plugin_error', message: expect.stringMatching(/cuda.*not available/) });
    await expect(resolvePlatform({ appRoot: root, env: { HIPSERVE_DEVICE: 'tpu' } }))
      .rejects.toMatchObject({ code: 'plugin_error', message: expect.stringMatching(/tpu names no platform/) });
  });

  it('HIPSERVE_PLUGINS loads only the named plugins', async () => {
    const root = withApp([FAKE, OTHER]);
    expect((await resolvePlatform({ appRoot: root, env: { HIPSERVE_PLUGINS: 'other_gpu' } })).name).toBe('other_gpu');
    expect((await resolvePlatform({ appRoot: root, env: { HIPSERVE_PLUGINS: 'absent_gpu, fake_gpu' } })).name)
      .toBe('fake_gpu');
    const names = discoverPlugins({ appRoot: root, env: { HIPSERVE_PLUGINS: 'other_gpu' } }).map((e) => e.name);
    expect(names).toContain('cpu');
    expect(names).toContain('other_gpu');
    expect(names).not.toContain('fake_gpu');
    expect(names).not.toContain('fake_models');
  });

  it('HIPSERVE_DISABLE_PLUGINS=1 loads only the built-ins', async () => {
    const root = withApp([FAKE, OTHER, BROKEN]);
    expect((await resolvePlatform({ appRoot: root, env: { HIPSERVE_DISABLE_PLUGINS: '1' } })).name).toBe('cpu');
    expect(discoverPlugins({ appRoot: root, env: { HIPSERVE_DISABLE_PLUGINS: '1' } }).every((e) => e.builtIn))
      .toBe(true);
  });

  it('ignores installed packages the application does not depend on', async () => {
    const entries = discoverPlugins({ appRoot: withApp([OTHER]), env: {} });
    expect(entries.map((e) => e.packageName)).not.toContain(FAKE);
    expect((await resolvePlatform({ appRoot: app!.root, env: {} })).name).toBe('other_gpu');
  });

  it('reports a plugin whose declared export is missing as a plugin_error naming it', async () => {
    const err = await resolvePlatform({ appRoot: withApp([BROKEN]), env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'plugin_error' });
    expect((err as Error).message).toContain('broken');
    expect((err as Error).message).toContain(BROKEN);
  });
});
