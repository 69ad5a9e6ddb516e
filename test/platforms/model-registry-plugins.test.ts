import { afterEach, describe, expect, it } from 'vitest';

import { createModelRegistry } from '../../src/models/builtin-models.js';
import type { ModelBuildContext } from '../../src/models/model-registry.js';
import { loadGeneralPlugins } from '../../src/platforms/load-general-plugins.js';
import { type FixtureApp, installFixtureApp } from './install-fixture-app.js';

let app: FixtureApp | null = null;
afterEach(() => {
  app?.remove();
  app = null;
});

const BUILT_IN = ['DeepseekV3ForCausalLM', 'Glm4MoeForCausalLM', 'GptOssForCausalLM', 'LlamaForCausalLM',
  'MistralForCausalLM', 'MixtralForCausalLM', 'Qwen2ForCausalLM', 'Qwen3ForCausalLM', 'Qwen3MoeForCausalLM'];

describe('model registry', () => {
  it('holds the Llama family by Hugging Face architecture name', () => {
    expect(createModelRegistry().architectures()).toEqual(BUILT_IN);
  });

  it('refuses an unknown architecture with `unsupported`, listing what it knows', () => {
    expect(() => createModelRegistry().resolve('GPT2LMHeadModel')).toThrow(
      expect.objectContaining({ code: 'unsupported', message: expect.stringContaining('Qwen3ForCausalLM') }));
  });

  it('lets a general plugin override an entry and add new ones', async () => {
    app = installFixtureApp(['hipserve-plugin-fake-gpu']);
    const registry = createModelRegistry();
    const builtInLlama = registry.resolve('LlamaForCausalLM');
    const loaded = await loadGeneralPlugins({ modelRegistry: registry }, { appRoot: app.root, env: {} });
    expect(loaded).toEqual(['fake_models']);
    expect(registry.architectures()).toEqual([...BUILT_IN, 'FakeForCausalLM'].sort());
    const llama = registry.resolve('LlamaForCausalLM');
    expect(llama).not.toBe(builtInLlama);
    const model = await llama({ config: { vocabSize: 7 } } as unknown as ModelBuildContext);
    expect(model).toMatchObject({ builtBy: 'hipserve-plugin-fake-gpu' });
  });

  it('keeps the built-in entries when plugins are disabled', async () => {
    app = installFixtureApp(['hipserve-plugin-fake-gpu']);
    const registry = createModelRegistry();
    const before = registry.resolve('LlamaForCausalLM');
    await loadGeneralPlugins({ modelRegistry: registry }, { appRoot: app.root, env: { HIPSERVE_DISABLE_PLUGINS: '1' } });
    expect(registry.resolve('LlamaForCausalLM')).toBe(before);
    expect(registry.has('FakeForCausalLM')).toBe(false);
  });
});
