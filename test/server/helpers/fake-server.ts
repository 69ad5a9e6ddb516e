/** A real HTTP server on loopback over the fake model and tokenizer, with the real engine stepped in-process. */
import type { AddressInfo } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { FakeCausalLM } from '../../../src/engine/fake-causal-lm.js';
import { FakeTokenizer } from '../../../src/engine/fake-tokenizer.js';
import type { EngineOptions } from '../../../src/engine/engine-config.js';
import { buildApp, type AppOptions } from '../../../src/server/app.js';
import { InProcessEngine } from './in-process-engine.js';

export const VOCAB = 64;
export const EOS = 63;

export interface TestServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly engine: InProcessEngine;
  readonly tokenizer: FakeTokenizer;
  close(): Promise<void>;
}

export async function startFakeServer(
  engineOptions: EngineOptions = {}, appOptions: Partial<AppOptions> = {}, modelOptions: { forwardDelayMs?: number } = {},
): Promise<TestServer> {
  const tokenizer = new FakeTokenizer(VOCAB, EOS);
  const engine = new InProcessEngine(new FakeCausalLM({ vocabSize: VOCAB, eosTokenId: EOS, ...modelOptions }), tokenizer,
    { maxModelLen: 128, blockSize: 16, numGpuBlocksOverride: 200, ...engineOptions });
  const app = await buildApp({ engine, tokenizer, modelNames: ['fake-model', 'alias'], logRequests: false, ...appOptions });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, app, engine, tokenizer,
    async close() {
      await app.close();
      await engine.shutdown();
    },
  };
}

/** POSTs JSON (or a raw string body) and returns status and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The `data:` events of an SSE body, parsed, and whether it ended with [DONE]. */
export function parseSse(text: string): { events: any[]; done: boolean } {
  const datas = text.split('\n\n').filter((b) => b.startsWith('data: ')).map((b) => b.slice(6));
  const done = datas.at(-1) === '[DONE]';
  return { events: datas.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)), done };
}

/** One metric's value from a Prometheus exposition, labels matched by substring. */
export function metricValue(exposition: string, name: string, labelPart = ''): number | null {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labelPart)) return Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${name} `)) return Number(line.slice(name.length + 1));
  }
  return null;
}
