import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EngineClient } from '../../src/engine/engine-client.js';
import { collect } from './helpers/collect.js';
import { reportEventLoopDelay, measureEventLoopDelay } from './helpers/event-loop-delay.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HF_DIR = path.resolve(ROOT, '../shared/models/stories260K/hf');
const LOADER = path.join(ROOT, 'dist/src/engine/load-engine-model.js');
const haveModel = existsSync(HF_DIR);
if (!haveModel) console.warn(`skipping stories260K client tests: ${HF_DIR} is absent (it lives in ../shared beside the repo)`);

describe.skipIf(!haveModel)('EngineClient serving stories260K from a worker thread', () => {
  let client: EngineClient;

  beforeAll(async () => {
    client = await EngineClient.start({ model: { module: LOADER, options: { modelPath: HF_DIR } },
      engine: { maxModelLen: 256, maxNumSeqs: 64, maxNumBatchedTokens: 512, kvCacheMemoryBytes: 64 * 2 ** 20 } });
  });

  afterAll(async () => {
    await client?.shutdown();
  });

  it('64 concurrent requests all complete, reporting the main-thread event-loop delay', async () => {
    const once = await collect(client.generate({ promptTokenIds: [1, 403, 407, 261, 378], samplingParams: { temperature: 0, maxTokens: 20 } }));
    expect(once.map((o) => o.outputs.map((c) => c.text).join('')).join('')).toMatch(/^, there was a little girl named Lily\./);

    const stepMs: number[] = [];
    const off = client.onStep((s) => stepMs.push(s.stepMs));
    const t0 = performance.now();
    const { result: results, delay } = await measureEventLoopDelay(() => Promise.all(Array.from({ length: 64 }, (_, i) =>
      collect(client.generate({ promptTokenIds: [1, 403 + (i % 50), 407, 261, 378 + (i % 7)],
        samplingParams: { temperature: 0.8, seed: i, maxTokens: 128, ignoreEos: true } })))));
    const wallMs = performance.now() - t0;
    off();
    const tokens = results.reduce((a, r) => a + r.flatMap((o) => o.outputs.flatMap((c) => c.tokenIds)).length, 0);
    expect(tokens).toBe(64 * 128);
    stepMs.sort((a, b) => a - b);
    reportEventLoopDelay(`stories260K, 64 concurrent requests x 128 tokens, ${(tokens / wallMs * 1000).toFixed(0)} tok/s, ` +
      `${stepMs.length} steps (median ${stepMs[stepMs.length >> 1]!.toFixed(2)} ms)`, delay);
  });
});
