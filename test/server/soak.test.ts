/**
 * Load: a few hundred concurrent streaming requests of mixed kinds and lengths against `hipserve serve` on a real
 * model, bounded in time. Every stream must be complete and well-formed, and greedy ones must match the text the
 * same request gets alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHAT_TEMPLATE, missingBuild, startCliServer, type CliServer } from './helpers/cli-server.js';
import { metricValue, parseSse, postJson } from './helpers/fake-server.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const HF = 'models/stories260K/hf';
const NUM_REQUESTS = 300;
const PROMPTS = ['Once upon a time', 'The little dog', 'Lily and Ben went to the park. They saw', 'One day, a bird', 'Tom had a red ball'];

interface Job {
  readonly route: 'completions' | 'chat/completions';
  readonly body: Record<string, unknown>;
  readonly greedy: boolean;
  readonly n: number;
  readonly maxTokens: number;
}

function job(i: number): Job {
  const prompt = PROMPTS[i % PROMPTS.length]!;
  const maxTokens = 1 + ((i * 7) % 48);
  const greedy = i % 3 === 0;
  const n = i % 10 === 5 ? 2 : 1;
  const sampling = { max_tokens: maxTokens, n, temperature: greedy ? 0 : 0.9, seed: i, ignore_eos: true,
    stream: true, stream_options: { include_usage: true } };
  return i % 4 === 1
    ? { route: 'chat/completions', body: { ...sampling, messages: [{ role: 'user', content: prompt }] }, greedy, n, maxTokens }
    : { route: 'completions', body: { ...sampling, prompt }, greedy, n, maxTokens };
}

/** Checks one stream's shape and returns each choice's text. */
function checkStream(j: Job, text: string): string[] {
  const { events, done } = parseSse(text);
  expect(done).toBe(true);
  const chat = j.route === 'chat/completions';
  const texts = Array.from({ length: j.n }, () => '');
  const finishes = Array.from({ length: j.n }, () => 0);
  for (const e of events.slice(0, -1)) {
    expect(e.id).toBe(events[0].id);
    expect(e.object).toBe(chat ? 'chat.completion.chunk' : 'text_completion');
    expect(e.choices).toHaveLength(1);
    const c = e.choices[0];
    expect(finishes[c.index]).toBe(0);
    texts[c.index] += chat ? c.delta.content ?? '' : c.text;
    if (c.finish_reason !== null) {
      expect(c.finish_reason).toBe('length');
      finishes[c.index]! += 1;
    }
  }
  expect(finishes).toEqual(texts.map(() => 1));
  const last = events.at(-1);
  expect(last.choices).toEqual([]);
  expect(last.usage.completion_tokens).toBe(j.maxTokens * j.n);
  return texts;
}

describe.skipIf(missingBuild() || missingShared(HF))('soak', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer([sharedPath(HF), '--chat-template', CHAT_TEMPLATE, '--disable-log-requests']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`${NUM_REQUESTS} concurrent streams complete, well-formed, greedy ones matching their solo text`, async () => {
    const jobs = Array.from({ length: NUM_REQUESTS }, (_, i) => job(i));
    const solo = new Map<string, string>();
    for (const j of jobs.filter((x) => x.greedy)) {
      const key = JSON.stringify([j.route, j.body.prompt ?? j.body.messages, j.maxTokens]);
      if (solo.has(key)) continue;
      const res = await postJson(`${server.url}/v1/${j.route}`, { ...j.body, stream: false, n: 1 });
      solo.set(key, j.route === 'completions' ? res.body.choices[0].text : res.body.choices[0].message.content);
    }

    const started = Date.now();
    const results = await Promise.all(jobs.map(async (j) => {
      const res = await fetch(`${server.url}/v1/${j.route}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(j.body),
      });
      return { j, status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    }));
    const seconds = (Date.now() - started) / 1000;

    for (const { j, status, type, text } of results) {
      expect(status).toBe(200);
      expect(type).toMatch(/^text\/event-stream/);
      const texts = checkStream(j, text);
      if (j.greedy) {
        const key = JSON.stringify([j.route, j.body.prompt ?? j.body.messages, j.maxTokens]);
        for (const t of texts) expect(t).toBe(solo.get(key));
      }
    }
    expect(seconds).toBeLessThan(60);
    const m = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(m, 'hipserve:num_requests_running')).toBe(0);
    expect(metricValue(m, 'hipserve:kv_cache_usage_perc')).toBe(0);
    console.log(`soak: ${NUM_REQUESTS} streams in ${seconds.toFixed(1)} s`);
  });
});
