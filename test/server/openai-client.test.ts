/**
 * `hipserve serve` on the real stories260K model (Hugging Face folder and GGUF), driven by the official openai client
 * over loopback, as a user would.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHAT_TEMPLATE, missingBuild, startCliServer, type CliServer } from './helpers/cli-server.js';
import { postJson } from './helpers/fake-server.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const HF = 'models/stories260K/hf';
const GGUF = 'models/stories260K/stories260K.gguf';
/** llama.cpp's and llama2.c's greedy continuation of "Once upon a time" (shared/README.md). */
const KNOWN = ', there was a little girl named Lily. She loved to play outside in the park.';
const skip = missingBuild() || missingShared(HF) || missingShared(GGUF);

describe.skipIf(skip)('the openai client against hipserve serve (stories260K)', () => {
  let server: CliServer;
  let client: OpenAI;
  const model = 'stories';

  beforeAll(async () => {
    server = await startCliServer([sharedPath(HF), '--served-model-name', model, '--chat-template', CHAT_TEMPLATE, '--api-key', 'sk-test']);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  });
  afterAll(async () => {
    expect(await server?.stop('SIGTERM')).toBe(0);
  });

  it('lists the model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([model]);
  });

  it('completes greedily as llama.cpp does', async () => {
    const res = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 20, temperature: 0 });
    expect(KNOWN.startsWith(res.choices[0]!.text) || res.choices[0]!.text.startsWith(KNOWN)).toBe(true);
    expect(res.choices[0]!.text.length).toBeGreaterThan(40);
    expect(res.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 20, total_tokens: 25 });
  });

  it('streams the same completion, chunk by chunk, with usage at the end', async () => {
    const whole = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 24, temperature: 0 });
    const stream = await client.completions.create({
      model, prompt: 'Once upon a time', max_tokens: 24, temperature: 0, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(chunks).toBeGreaterThan(5);
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 24 });
  });

  it('chat completes through --chat-template, whole and streamed alike', async () => {
    const messages = [{ role: 'system' as const, content: 'A story.' }, { role: 'user' as const, content: 'Tell me about Lily.' }];
    const whole = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0 });
    const choice = whole.choices[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.content!.length).toBeGreaterThan(0);
    const tokenized = await postJson(`${server.url}/tokenize`, { messages });
    expect(whole.usage!.prompt_tokens).toBe(tokenized.body.count);

    const stream = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0, stream: true });
    let content = '';
    let role: string | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      role ??= chunk.choices[0]?.delta.role;
      content += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect([role, content, finish]).toEqual(['assistant', choice.message.content, choice.finish_reason]);
  });

  it('completions with logprobs: log-probabilities of the sampled token and the top alternatives', async () => {
    const res = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 8, temperature: 0, logprobs: 3 });
    const lp = res.choices[0]!.logprobs!;
    expect(lp.tokens!.join('')).toBe(res.choices[0]!.text);
    lp.top_logprobs!.forEach((top, i) => {
      const values = Object.values(top!);
      expect(values.length).toBeGreaterThanOrEqual(3);
      expect(values.reduce((s, v) => s + Math.exp(v), 0)).toBeLessThanOrEqual(1 + 1e-5);
      expect(lp.token_logprobs![i]).toBeCloseTo(Math.max(...values), 5);
      expect(lp.token_logprobs![i]!).toBeLessThanOrEqual(0);
    });
  });

  it('chat logprobs with top_logprobs', async () => {
    const res = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 2,
    });
    const content = res.choices[0]!.logprobs!.content!;
    expect(content).toHaveLength(res.usage!.completion_tokens);
    for (const entry of content) {
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.logprob).toBeCloseTo(entry.top_logprobs[0]!.logprob, 5);
      expect(Buffer.from(entry.bytes!).toString('utf8')).toBe(entry.token);
    }
  });

  it('n=2 gives two choices', async () => {
    const res = await client.completions.create({ model, prompt: 'The cat', max_tokens: 10, temperature: 1, n: 2, seed: 3 });
    expect(res.choices.map((c) => c.index).sort()).toEqual([0, 1]);
    expect(res.choices.every((c) => c.text.length > 0)).toBe(true);
    expect(res.usage!.completion_tokens).toBe(20);
  });

  it('stop ends the text before the stop string', async () => {
    const res = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 30, temperature: 0, stop: [' girl'] });
    expect(res.choices[0]).toMatchObject({ text: ', there was a little', finish_reason: 'stop' });
  });

  it('the same seed gives the same sample', async () => {
    const ask = (seed: number) => client.completions.create({ model, prompt: 'One day', max_tokens: 24, temperature: 1, seed });
    const [a, b, c] = await Promise.all([ask(11), ask(11), ask(12)]);
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
    expect(a.choices[0]!.text).not.toBe(c.choices[0]!.text);
  });

  it('tokenize and detokenize round-trip', async () => {
    const text = 'Lily saw a big red ball in the park.';
    const tok = await postJson(`${server.url}/tokenize`, { model, prompt: text, add_special_tokens: false });
    expect(tok.body.count).toBe(tok.body.tokens.length);
    expect(tok.body.max_model_len).toBe(512);
    const withBos = await postJson(`${server.url}/tokenize`, { model, prompt: text });
    expect(withBos.body.tokens).toEqual([1, ...tok.body.tokens]);
    expect((await postJson(`${server.url}/detokenize`, { model, tokens: tok.body.tokens })).body.prompt).toBe(text);
  });

  it('errors reach the client as OpenAI errors', async () => {
    await expect(client.completions.create({ model: 'nope', prompt: 'x' })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(client.completions.create({ model, prompt: 'x', temperature: -1 })).rejects.toMatchObject({ status: 400, param: 'temperature' });
    const noKey = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await expect(noKey.models.list()).rejects.toMatchObject({ status: 401 });
  });
});

describe.skipIf(skip)('hipserve serve on the GGUF file', () => {
  it('gives the same greedy completion as the Hugging Face folder', async () => {
    const server = await startCliServer([sharedPath(GGUF)]);
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const [model] = (await client.models.list()).data;
      const res = await client.completions.create({ model: model!.id, prompt: 'Once upon a time', max_tokens: 20, temperature: 0 });
      expect(KNOWN.startsWith(res.choices[0]!.text) || res.choices[0]!.text.startsWith(KNOWN)).toBe(true);
      const chat = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) });
      expect(chat.status).toBe(400);
      expect(((await chat.json()) as { error: { message: string } }).error.message).toMatch(/--chat-template/);
    } finally {
      expect(await server.stop('SIGINT')).toBe(0);
    }
  });
});
