import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { nowMs } from '../../src/engine/clock.js';
import { EngineCore } from '../../src/engine/engine-core.js';
import { createModelRegistry } from '../../src/models/builtin-models.js';
import type { CausalLM } from '../../src/models/forward-batch.js';
import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { resolveSamplingParams } from '../../src/sampling/sampling-params.js';

// The serving core over the MLA latent cache: chunked prefills sharing steps with decodes, and a prompt whose first
// block is found in the prefix cache, still give transformers' greedy tokens.
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/models/deepseek_v3');
const { cases } = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as {
  cases: { prompt: number[]; greedy: number[] }[] };

describe('DeepseekV3ForCausalLM in the engine core', () => {
  let model: CausalLM;
  beforeAll(async () => {
    ({ model } = await loadCausalLM(DIR, { platform: new CpuPlatform(), registry: createModelRegistry() }));
  });
  afterAll(() => model?.dispose());

  it('serves chunked prefills beside decodes and reuses cached latent blocks', () => {
    const engine = EngineCore.create(model, { blockSize: 16, numGpuBlocksOverride: 32, maxModelLen: 256,
      maxNumBatchedTokens: 8, maxNumSeqs: 4 });
    const run = (jobs: { id: string; prompt: number[]; maxTokens: number }[]) => {
      const tokens = new Map(jobs.map((j) => [j.id, [] as number[]]));
      const cached = new Map<string, number>();
      for (const j of jobs) {
        engine.addRequest({ requestId: j.id, promptTokenIds: j.prompt, arrivalTime: nowMs(),
          samplingParams: resolveSamplingParams({ temperature: 0, maxTokens: j.maxTokens, ignoreEos: true }) });
      }
      while (engine.hasUnfinishedRequests()) {
        for (const o of engine.step().outputs) {
          tokens.get(o.requestId)!.push(...o.newTokenIds);
          cached.set(o.requestId, Math.max(cached.get(o.requestId) ?? 0, o.numCachedTokens));
        }
      }
      return { tokens, cached };
    };

    const first = run(cases.map((c, i) => ({ id: `case${i}`, prompt: c.prompt, maxTokens: c.greedy.length })));
    cases.forEach((c, i) => expect(first.tokens.get(`case${i}`)).toEqual(c.greedy));

    const [c0] = cases;
    const split = 20;
    const again = run([{ id: 'continued', prompt: [...c0!.prompt, ...c0!.greedy.slice(0, split)],
      maxTokens: c0!.greedy.length - split }]);
    expect(again.cached.get('continued')).toBeGreaterThanOrEqual(16);
    expect(again.tokens.get('continued')).toEqual(c0!.greedy.slice(split));
  });
});
