import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EngineClient } from '../../src/engine/engine-client.js';
import type { RequestOutput } from '../../src/engine/request-output.js';
import { FakeTokenizer } from '../../src/engine/fake-tokenizer.js';
import { collect } from './helpers/collect.js';
import { measureEventLoopDelay, reportEventLoopDelay } from './helpers/event-loop-delay.js';
import { referenceGreedy } from './helpers/fake-reference.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FAKE_MODEL = path.join(ROOT, 'dist/src/engine/fake-engine-model.js');
const VOCAB = 40, EOS = 3;

const tokensOf = (outputs: RequestOutput[]): number[] => outputs.flatMap((o) => o.outputs.flatMap((c) => [...c.tokenIds]));
const textOf = (outputs: RequestOutput[]): string => outputs.flatMap((o) => o.outputs.map((c) => c.text)).join('');
const promptOf = (i: number): number[] => Array.from({ length: 5 + (i % 23) }, (_, k) => (i * 7 + k * 3) % VOCAB);

describe('EngineClient over a worker thread (fake model, compiled dist/)', () => {
  let client: EngineClient;

  beforeAll(async () => {
    client = await EngineClient.start({
      model: { module: FAKE_MODEL, options: { vocabSize: VOCAB, eosTokenId: EOS, forwardDelayMs: 2 } },
      engine: { blockSize: 4, maxModelLen: 256, numGpuBlocksOverride: 2000, maxNumSeqs: 64, maxNumBatchedTokens: 512 },
    });
  });

  afterAll(async () => {
    await client?.terminate();
  });

  it('streams each request its greedy continuation and text', async () => {
    const out = await collect(client.generate({ promptTokenIds: [5, 6, 7], samplingParams: { temperature: 0, maxTokens: 16, ignoreEos: true } }));
    const expected = referenceGreedy([5, 6, 7], 16, VOCAB, null);
    expect(tokensOf(out)).toEqual(expected);
    expect(textOf(out)).toBe(new FakeTokenizer(VOCAB, EOS).decode(expected));
    expect(out.at(-1)).toMatchObject({ finished: true, promptTokenIds: [5, 6, 7] });
    expect(out.at(-1)!.outputs[0]!.cumulativeTokenIds).toEqual(expected);
    expect(out.at(-1)!.outputs[0]!.finishReason).toBe('length');
  });

  it('serves 64 concurrent requests through the worker, reporting the main-thread event-loop delay', async () => {
    const { result: results, delay } = await measureEventLoopDelay(() => Promise.all(Array.from({ length: 64 }, (_, i) =>
      collect(client.generate({ promptTokenIds: promptOf(i), samplingParams: { temperature: 0, maxTokens: 32, ignoreEos: true } })))));
    results.forEach((out, i) => expect(tokensOf(out)).toEqual(referenceGreedy(promptOf(i), 32, VOCAB, null)));
    reportEventLoopDelay('fake model, 64 concurrent requests', delay);
    const stats = client.stats();
    expect(stats.numSteps).toBeGreaterThan(32);
    expect(stats.lastStep!.schedulerMs).toBeGreaterThanOrEqual(0);
  });

  it('aborts on request and when the consumer stops early', async () => {
    const stream = client.generate({ requestId: 'to-abort', promptTokenIds: [1, 2, 3], samplingParams: { temperature: 0, maxTokens: 200, ignoreEos: true } });
    const seen: RequestOutput[] = [];
    for await (const o of stream) {
      seen.push(o);
      if (seen.length === 3) client.abort('to-abort');
    }
    expect(seen.at(-1)!.outputs[0]!.finishReason).toBe('abort');
    expect(seen.at(-1)!.finished).toBe(true);

    for await (const o of client.generate({ requestId: 'early', promptTokenIds: [1, 2, 3], samplingParams: { temperature: 0, maxTokens: 200, ignoreEos: true } })) {
      expect(o.finished).toBe(false);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(client.stats().numRunning).toBe(0);
    expect(client.numActiveRequests).toBe(0);
  });

  it('rejects bad sampling parameters at once and engine-side errors through the stream', async () => {
    expect(() => client.generate({ promptTokenIds: [1], samplingParams: { topP: 2 } })).toThrow(
      expect.objectContaining({ code: 'invalid_request', param: 'top_p' }));
    await expect(collect(client.generate({ promptTokenIds: new Array(256).fill(1) }))).rejects.toMatchObject({
      code: 'context_length_exceeded' });
    await expect(collect(client.generate({ promptTokenIds: [VOCAB + 1] }))).rejects.toMatchObject({ code: 'invalid_request', param: 'prompt' });
  });

  it('stops on a stop string without streaming it', async () => {
    const expected = referenceGreedy([9, 9, 9], 40, VOCAB, null);
    const full = new FakeTokenizer(VOCAB, EOS).decode(expected);
    const stop = full.slice(8, 11);
    const out = await collect(client.generate({ promptTokenIds: [9, 9, 9], samplingParams: { temperature: 0, maxTokens: 40, ignoreEos: true, stop: [stop] } }));
    expect(textOf(out)).toBe(full.slice(0, full.indexOf(stop)));
    expect(out.at(-1)!.outputs[0]).toMatchObject({ finishReason: 'stop', stopReason: stop });
  });

  it('drains on shutdown: requests in flight finish, new ones are refused', async () => {
    const own = await EngineClient.start({ model: { module: FAKE_MODEL, options: { vocabSize: VOCAB } },
      engine: { blockSize: 4, maxModelLen: 64, numGpuBlocksOverride: 100 } });
    const inFlight = collect(own.generate({ promptTokenIds: [1, 2], samplingParams: { temperature: 0, maxTokens: 20, ignoreEos: true } }));
    const done = own.shutdown();
    expect(() => own.generate({ promptTokenIds: [1] })).toThrow(/shutting down/);
    expect(tokensOf(await inFlight)).toHaveLength(20);
    await done;
  });
});
