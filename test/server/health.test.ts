import type { AddressInfo } from 'node:net';

import { describe, expect, it } from 'vitest';

import { EngineClient } from '../../src/engine/engine-client.js';
import { FakeTokenizer } from '../../src/engine/fake-tokenizer.js';
import { buildApp } from '../../src/server/app.js';
import { ClientServingEngine } from '../../src/server/engine/client-serving-engine.js';
import { repoPath } from '../helpers/shared-data.js';

const FAKE_MODEL = repoPath('dist/src/engine/fake-engine-model.js');

describe('GET /health', () => {
  it('answers 200 while the engine worker runs and 500 with an OpenAI error once it has died', async () => {
    const client = await EngineClient.start({ model: { module: FAKE_MODEL, options: { vocabSize: 64, eosTokenId: 63 } },
      engine: { blockSize: 4, maxModelLen: 64, numGpuBlocksOverride: 100 } });
    const app = await buildApp({ engine: new ClientServingEngine(client), tokenizer: new FakeTokenizer(64, 63),
      modelNames: ['fake'], logRequests: false });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/health`;
      expect((await fetch(url)).status).toBe(200);
      await client.terminate();
      const res = await fetch(url);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: { type: 'server_error', code: 'engine_error' } });
    } finally {
      await app.close();
    }
  });
});
