import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import type { LoadProgress } from '../../src/models/causal-lm-options.js';
import { type FixtureApp, installFixtureApp } from '../platforms/install-fixture-app.js';
import { argmax, PagedSequences } from './paged-sequences.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const QWEN3 = path.join(ROOT, 'test/fixtures/models/qwen3');
const LLAMA = path.join(ROOT, 'test/fixtures/models/llama');
const TINY = path.resolve(ROOT, '../shared/models/llama-2-tiny-random/llama-2-tiny-random.gguf');

let app: FixtureApp | null = null;
afterEach(() => {
  app?.remove();
  app = null;
});

describe('loadCausalLM', () => {
  it('resolves the platform through discovery and builds the registry\'s model, reporting progress', async () => {
    app = installFixtureApp([]);
    const progress: LoadProgress[] = [];
    const { model, platform, files } = await loadCausalLM(QWEN3, { plugins: { appRoot: app.root, env: {} },
      onProgress: (p) => progress.push(p) });
    expect(platform.name).toBe('cpu');
    expect(files.format).toBe('safetensors');
    expect(model.config.architecture).toBe('Qwen3ForCausalLM');
    expect(progress.filter((p) => p.stage === 'layers').map((p) => p.done)).toEqual([1, 2]);
    expect(progress.at(-1)?.stage).toBe('ready');
    expect(() => model.forward(new PagedSequences(4, 4, 1).step([]))).toThrow(
      expect.objectContaining({ code: 'engine_error' }));
    model.dispose();
  });

  it('builds the model a general plugin registered in place of the built-in one', async () => {
    app = installFixtureApp(['hipserve-plugin-fake-gpu']);
    const { model, platform } = await loadCausalLM(LLAMA, {
      plugins: { appRoot: app.root, env: { HIPSERVE_PLUGINS: 'fake_models' } } });
    expect(platform.name).toBe('cpu');
    expect(model).toMatchObject({ builtBy: 'hipserve-plugin-fake-gpu' });
  });

  it.skipIf(!existsSync(TINY))('runs an f16 GGUF (llama-2-tiny-random) as llama.cpp does, 256 greedy tokens', async () => {
    const reference = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/llamacpp/llama-2-tiny-random.json'),
      'utf8')) as { promptTokens: number[]; tokens: number[] };
    const { model, files } = await loadCausalLM(TINY, { plugins: { env: { HIPSERVE_DISABLE_PLUGINS: '1' } } });
    expect(files.weights.get('model.layers.0.self_attn.q_proj.weight').dtype).toBe('f16');
    model.allocateKvCache(80, 4);
    const seqs = new PagedSequences(80, 4, 80);
    seqs.add(0, reference.promptTokens);
    const tokens: number[] = [];
    let count = reference.promptTokens.length;
    while (tokens.length < reference.tokens.length) {
      tokens.push(argmax(model.forward(seqs.step([{ id: 0, count }]))));
      seqs.append(0, tokens.at(-1)!);
      count = 1;
    }
    expect(tokens).toEqual(reference.tokens);
    model.dispose();
  });
});
