/** /v1/completions and the info routes over HTTP, against the fake model whose greedy output a few lines compute. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fakeKv, fakeLogits } from '../../src/engine/fake-causal-lm.js';
import { FakeTokenizer } from '../../src/engine/fake-tokenizer.js';
import { EOS, metricValue, parseSse, postJson, startFakeServer, VOCAB, type TestServer } from './helpers/fake-server.js';

/** Logits after each context, straight from the fake model's definition, and greedy decoding over them. */
function logitsAfter(context: readonly number[]): Float32Array {
  let kv = 0;
  context.forEach((t, p) => (kv = fakeKv(kv, t, p)));
  const logits = new Float32Array(VOCAB);
  fakeLogits(kv, logits);
  return logits;
}

function greedy(prompt: readonly number[], maxTokens: number): number[] {
  const context = [...prompt];
  const out: number[] = [];
  while (out.length < maxTokens) {
    const logits = logitsAfter(context);
    const best = logits.indexOf(Math.max(...logits));
    out.push(best);
    context.push(best);
    if (best === EOS) break;
  }
  return out;
}

const text = (ids: readonly number[]): string => ids.filter((id) => id !== EOS && id !== 0).map(FakeTokenizer.piece).join('');
const PROMPT = ' cd e';
const PROMPT_IDS = [2, 3, 4];

let server: TestServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());

const completions = (body: Record<string, unknown>) => postJson(`${server.url}/v1/completions`, body);

describe('/v1/completions', () => {
  it('returns the greedy continuation with usage', async () => {
    const expected = greedy(PROMPT_IDS, 10);
    const res = await completions({ prompt: PROMPT, max_tokens: 10, temperature: 0, ignore_eos: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'text_completion', model: 'fake-model' });
    expect(res.body.id).toMatch(/^cmpl-/);
    expect(res.body.choices).toEqual([{ index: 0, text: text(expected), logprobs: null, finish_reason: 'length', stop_reason: null }]);
    expect(res.body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 10, total_tokens: 13 });
  });

  it('defaults max_tokens to 16, as vLLM does for completions', async () => {
    const res = await completions({ prompt: PROMPT, temperature: 0, ignore_eos: true });
    expect(res.body.usage.completion_tokens).toBe(16);
  });

  it('takes every prompt form and numbers choices prompt by prompt, n each', async () => {
    const ids2 = [5, 9, 14];
    const res = await completions({ prompt: [PROMPT_IDS, ids2], n: 2, max_tokens: 6, temperature: 0, ignore_eos: true });
    expect(res.body.choices.map((c: any) => [c.index, c.text])).toEqual([
      [0, text(greedy(PROMPT_IDS, 6))], [1, text(greedy(PROMPT_IDS, 6))], [2, text(greedy(ids2, 6))], [3, text(greedy(ids2, 6))],
    ]);
    expect(res.body.usage).toEqual({ prompt_tokens: 6, completion_tokens: 24, total_tokens: 30 });
    const strings = await completions({ prompt: [PROMPT, ' e'], max_tokens: 3, temperature: 0, ignore_eos: true });
    expect(strings.body.choices.map((c: any) => c.text)).toEqual([text(greedy(PROMPT_IDS, 3)), text(greedy([4], 3))]);
  });

  it('echo puts the prompt in front, with prompt logprobs when logprobs are asked for', async () => {
    const res = await completions({ prompt: PROMPT, max_tokens: 4, temperature: 0, ignore_eos: true, echo: true, logprobs: 1 });
    const choice = res.body.choices[0];
    expect(choice.text).toBe(PROMPT + text(greedy(PROMPT_IDS, 4)));
    expect(choice.logprobs.tokens.join('')).toBe(choice.text);
    expect(choice.logprobs.token_logprobs[0]).toBeNull();
    expect(choice.logprobs.token_logprobs).toHaveLength(7);
    const tokens: string[] = choice.logprobs.tokens;
    expect(choice.logprobs.text_offset).toEqual(tokens.map((_, i) => tokens.slice(0, i).join('').length));
  });

  it('logprobs hold log_softmax of the logits: the sampled token and the top k', async () => {
    const out = greedy(PROMPT_IDS, 3);
    const res = await completions({ prompt: PROMPT, max_tokens: 3, temperature: 0, ignore_eos: true, logprobs: 3 });
    const lp = res.body.choices[0].logprobs;
    expect(lp.tokens).toEqual(out.map(FakeTokenizer.piece));
    out.forEach((id, i) => {
      const logits = Array.from(logitsAfter([...PROMPT_IDS, ...out.slice(0, i)]));
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
      expect(lp.token_logprobs[i]).toBeCloseTo(logits[id]! - lse, 4);
      const top3 = logits.map((l, v) => [l, v] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
      expect(Object.keys(lp.top_logprobs[i]).sort()).toEqual(top3.map(([, v]) => FakeTokenizer.piece(v)).sort());
    });
  });

  it('prompt_logprobs: log_softmax of each prompt token given the ones before, whole and streamed', async () => {
    const res = await completions({ prompt: PROMPT, max_tokens: 1, prompt_logprobs: 2 });
    const streamed = parseSse(await (await fetch(`${server.url}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: PROMPT, max_tokens: 1, prompt_logprobs: 2, stream: true }),
    })).text()).events.flatMap((e) => e.choices).find((c: any) => c.prompt_logprobs);
    for (const got of [res.body.choices[0].prompt_logprobs, streamed.prompt_logprobs]) {
      expect(got).toHaveLength(3);
      expect(got[0]).toBeNull();
      PROMPT_IDS.slice(1).forEach((id, k) => {
        const logits = Array.from(logitsAfter(PROMPT_IDS.slice(0, k + 1)));
        const max = Math.max(...logits);
        const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
        const entry = got[k + 1][String(id)];
        expect(entry.logprob).toBeCloseTo(logits[id]! - lse, 4);
        expect(entry.decoded_token).toBe(FakeTokenizer.piece(id));
        expect(entry.rank).toBe(1 + logits.filter((l) => l > logits[id]!).length);
      });
    }
  });

  it('return_tokens_as_token_ids names tokens by id', async () => {
    const res = await completions({ prompt: PROMPT, max_tokens: 2, temperature: 0, logprobs: 0, return_tokens_as_token_ids: true });
    expect(res.body.choices[0].logprobs.tokens).toEqual(greedy(PROMPT_IDS, 2).map((id) => `token_id:${id}`));
  });

  it('stops at a stop string, leaving it out unless asked', async () => {
    const full = text(greedy(PROMPT_IDS, 20));
    const stop = full.slice(6, 9);
    const res = await completions({ prompt: PROMPT, max_tokens: 20, temperature: 0, ignore_eos: true, stop });
    expect(res.body.choices[0]).toMatchObject({ text: full.slice(0, full.indexOf(stop)), finish_reason: 'stop', stop_reason: stop });
    const kept = await completions({ prompt: PROMPT, max_tokens: 20, temperature: 0, ignore_eos: true, stop: [stop], include_stop_str_in_output: true });
    expect(kept.body.choices[0].text).toBe(full.slice(0, full.indexOf(stop) + stop.length));
  });

  it('stop_token_ids end the output on that token', async () => {
    const out = greedy(PROMPT_IDS, 20);
    const res = await completions({ prompt: PROMPT, max_tokens: 20, temperature: 0, ignore_eos: true, stop_token_ids: [out[4]!] });
    expect(res.body.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: out[4] });
    expect(res.body.usage.completion_tokens).toBe(out.indexOf(out[4]!) + 1);
  });

  it('a seed makes sampling reproducible', async () => {
    const ask = (seed: number) => completions({ prompt: PROMPT, max_tokens: 12, temperature: 1.5, seed, ignore_eos: true });
    const [a, b, c] = await Promise.all([ask(7), ask(7), ask(8)]);
    expect(a.body.choices[0].text).toBe(b.body.choices[0].text);
    expect(a.body.choices[0].text).not.toBe(c.body.choices[0].text);
  });

  it('logit_bias steers greedy decoding', async () => {
    const res = await completions({ prompt: PROMPT, max_tokens: 3, temperature: 0, logit_bias: { 11: 100 } });
    expect(res.body.choices[0].text).toBe(FakeTokenizer.piece(11).repeat(3));
  });
});

describe('streaming', () => {
  async function stream(body: Record<string, unknown>): Promise<{ events: any[]; done: boolean; contentType: string | null }> {
    const res = await fetch(`${server.url}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }),
    });
    return { ...parseSse(await res.text()), contentType: res.headers.get('content-type') };
  }

  it('streams the same text as the whole response, ending in [DONE]', async () => {
    const body = { prompt: PROMPT, max_tokens: 12, temperature: 0, ignore_eos: true, n: 2 };
    const whole = await completions(body);
    const { events, done, contentType } = await stream(body);
    expect(contentType).toMatch(/^text\/event-stream/);
    expect(done).toBe(true);
    for (const index of [0, 1]) {
      const mine = events.flatMap((e) => e.choices).filter((c: any) => c.index === index);
      expect(mine.map((c: any) => c.text).join('')).toBe(whole.body.choices[index].text);
      expect(mine.at(-1).finish_reason).toBe('length');
      expect(mine.slice(0, -1).every((c: any) => c.finish_reason === null)).toBe(true);
    }
    expect(events.every((e) => e.object === 'text_completion' && e.id === events[0].id)).toBe(true);
    expect(events.some((e) => 'usage' in e)).toBe(false);
  });

  it('include_usage adds a final usage chunk; continuous_usage_stats puts usage on every chunk', async () => {
    const { events } = await stream({ prompt: PROMPT, max_tokens: 5, temperature: 0, ignore_eos: true, stream_options: { include_usage: true } });
    expect(events.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } });
    const continuous = await stream({ prompt: PROMPT, max_tokens: 5, temperature: 0, ignore_eos: true,
      stream_options: { include_usage: true, continuous_usage_stats: true } });
    expect(continuous.events.every((e) => e.usage.prompt_tokens === 3)).toBe(true);
  });

  it('streams echo and logprobs with offsets continuing across chunks', async () => {
    const { events } = await stream({ prompt: PROMPT, max_tokens: 5, temperature: 0, ignore_eos: true, echo: true, logprobs: 0 });
    const chunks = events.flatMap((e) => e.choices);
    const all = chunks.map((c: any) => c.text).join('');
    expect(all.startsWith(PROMPT)).toBe(true);
    const offsets = chunks.flatMap((c: any) => c.logprobs.text_offset);
    const tokens = chunks.flatMap((c: any) => c.logprobs.tokens);
    expect(offsets).toEqual(tokens.map((_: string, i: number) => tokens.slice(0, i).join('').length));
  });
});

describe('other routes', () => {
  it('/tokenize and /detokenize round-trip', async () => {
    const tok = await postJson(`${server.url}/tokenize`, { prompt: PROMPT, add_special_tokens: false, return_token_strs: true });
    expect(tok.body).toEqual({ count: 3, max_model_len: 128, tokens: PROMPT_IDS, token_strs: [' c', 'd', ' e'] });
    const detok = await postJson(`${server.url}/detokenize`, { tokens: tok.body.tokens });
    expect(detok.body).toEqual({ prompt: PROMPT });
  });

  it('/v1/models lists every served name', async () => {
    const res = await (await fetch(`${server.url}/v1/models`)).json() as { object: string; data: { id: string }[] };
    expect(res.object).toBe('list');
    expect(res.data.map((m) => m.id)).toEqual(['fake-model', 'alias']);
    expect(res.data[0]).toMatchObject({ object: 'model', owned_by: 'hipserve', max_model_len: 128 });
    expect(((await (await fetch(`${server.url}/v1/models/alias`)).json()) as { id: string }).id).toBe('alias');
  });

  it('/health, /version', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/version`)).json()).toHaveProperty('version');
  });

  it('/metrics counts tokens and requests under vLLM\'s names', async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    await completions({ prompt: PROMPT, max_tokens: 7, temperature: 0, ignore_eos: true });
    const after = await (await fetch(`${server.url}/metrics`)).text();
    const delta = (name: string, label = '') => metricValue(after, name, label)! - metricValue(before, name, label)!;
    expect(delta('hipserve:prompt_tokens_total')).toBe(3);
    expect(delta('hipserve:generation_tokens_total')).toBe(7);
    expect(delta('hipserve:request_success_total', 'finished_reason="length"')).toBe(1);
    expect(delta('hipserve:e2e_request_latency_seconds_count')).toBe(1);
    expect(delta('hipserve:time_to_first_token_seconds_count')).toBe(1);
    expect(delta('hipserve:inter_token_latency_seconds_count')).toBe(6);
    expect(delta('hipserve:request_queue_time_seconds_count')).toBe(1);
    for (const name of ['num_requests_running', 'num_requests_waiting', 'kv_cache_usage_perc', 'prefix_cache_queries_total',
      'prefix_cache_hits_total', 'num_preemptions_total', 'iteration_tokens_total_count', 'request_prefill_time_seconds_count',
      'request_decode_time_seconds_count', 'request_inference_time_seconds_count', 'request_params_n_count']) {
      expect(metricValue(after, `hipserve:${name}`), name).not.toBeNull();
    }
    expect(metricValue(after, 'hipserve:prefix_cache_queries_total')).toBeGreaterThan(0);
  });
});
