/** Every invalid request, over raw HTTP: the right status and OpenAI's error object, and the server keeps serving. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { postJson, startFakeServer, type TestServer } from './helpers/fake-server.js';

let server: TestServer;
let keyed: TestServer;

beforeAll(async () => {
  server = await startFakeServer({ maxModelLen: 64 }, { bodyLimit: 64 * 1024 });
  keyed = await startFakeServer({}, { apiKeys: ['sk-right'] });
});
afterAll(async () => {
  await server.close();
  await keyed.close();
});

function expectError(res: { status: number; body: any }, status: number, code: string, param?: string | null): void {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(10);
  expect(res.body.error.code).toBe(code);
  if (param !== undefined) expect(res.body.error.param).toBe(param);
}

const completions = (body: unknown) => postJson(`${server.url}/v1/completions`, body);
const chat = (body: unknown) => postJson(`${server.url}/v1/chat/completions`, body);
const PROMPT = ' cd e';

describe('malformed requests get 400', () => {
  it('unparsable JSON', async () => {
    expectError(await completions('{"prompt": "x",'), 400, 'invalid_json', null);
    expectError(await completions(''), 400, 'invalid_json', null);
  });

  it('wrong types name the parameter', async () => {
    expectError(await completions({ prompt: PROMPT, temperature: 'hot' }), 400, 'invalid_type', 'temperature');
    expectError(await completions({ prompt: 42 }), 400, 'invalid_type', 'prompt');
    expectError(await completions({ prompt: PROMPT, n: 1.5 }), 400, 'invalid_type', 'n');
    expectError(await completions({ prompt: PROMPT, stop: [1, 2] }), 400, 'invalid_type', 'stop');
    expectError(await completions({ prompt: PROMPT, stream: 'yes' }), 400, 'invalid_type', 'stream');
    expectError(await completions({ prompt: PROMPT, logit_bias: { 5: 'x' } }), 400, 'invalid_type', 'logit_bias');
    expectError(await chat({ messages: 'hello' }), 400, 'invalid_type', 'messages');
    expectError(await chat({ messages: [{ content: 'hi' }] }), 400, 'missing_required_parameter', 'messages[0].role');
    expectError(await chat({ messages: [{ role: 'user', content: 7 }] }), 400, 'invalid_type', 'messages[0].content');
    expectError(await completions([1, 2, 3]), 400, 'invalid_type', null);
  });

  it('missing required fields', async () => {
    expectError(await completions({}), 400, 'missing_required_parameter', 'prompt');
    expectError(await chat({ model: 'fake-model' }), 400, 'missing_required_parameter', 'messages');
    expectError(await chat({ messages: [] }), 400, 'invalid_value', 'messages');
  });

  it('negative or absurd values', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ max_tokens: -1 }, 'max_tokens'],
      [{ max_tokens: 0 }, 'max_tokens'],
      [{ n: 0 }, 'n'],
      [{ n: 1_000_000 }, 'n'],
      [{ temperature: -0.5 }, 'temperature'],
      [{ top_p: 1.5 }, 'top_p'],
      [{ top_p: 0 }, 'top_p'],
      [{ top_k: -7 }, 'top_k'],
      [{ min_p: 2 }, 'min_p'],
      [{ presence_penalty: 9 }, 'presence_penalty'],
      [{ frequency_penalty: -9 }, 'frequency_penalty'],
      [{ repetition_penalty: 0 }, 'repetition_penalty'],
      [{ logprobs: 500 }, 'logprobs'],
      [{ logprobs: -1 }, 'logprobs'],
      [{ min_tokens: 10, max_tokens: 5 }, 'min_tokens'],
      [{ stop: [''] }, 'stop'],
      [{ stop_token_ids: [999999] }, 'stop_token_ids[0]'],
      [{ logit_bias: { 999999: 1 } }, 'logit_bias'],
      [{ logit_bias: { abc: 1 } }, 'logit_bias'],
      [{ logit_bias: { 5: 1000 } }, 'logit_bias[5]'],
      [{ seed: 1.5 }, 'seed'],
      [{ prompt_logprobs: 10_000 }, 'prompt_logprobs'],
    ];
    for (const [fields, param] of cases) {
      const res = await completions({ prompt: PROMPT, ...fields });
      expect([JSON.stringify(fields), res.status]).toEqual([JSON.stringify(fields), 400]);
      expect([JSON.stringify(fields), res.body.error.param]).toEqual([JSON.stringify(fields), param]);
    }
  });

  it('prompts that are empty or hold ids outside the vocabulary', async () => {
    expectError(await completions({ prompt: [] }), 400, 'invalid_request', 'prompt');
    expectError(await completions({ prompt: [3, 64] }), 400, 'invalid_request', 'prompt');
    expectError(await completions({ prompt: [[3], [-1]] }), 400, 'invalid_request', 'prompt[1]');
    expectError(await completions({ prompt: [[3], []] }), 400, 'invalid_request', 'prompt[1]');
    expectError(await postJson(`${server.url}/detokenize`, { tokens: [1, 640] }), 400, 'invalid_request', 'tokens[1]');
  });

  it('best_of and suffix are refused clearly', async () => {
    const bestOf = await completions({ prompt: PROMPT, best_of: 3 });
    expectError(bestOf, 400, 'unsupported', 'best_of');
    expect(bestOf.body.error.message).toMatch(/best_of is not supported/);
    expectError(await completions({ prompt: PROMPT, suffix: 'the end' }), 400, 'unsupported', 'suffix');
    expect((await completions({ prompt: PROMPT, best_of: 1, max_tokens: 2 })).status).toBe(200);
  });

  it('chat refusals: no template, non-text parts, forced tool calls, top_logprobs without logprobs', async () => {
    const noTemplate = await chat({ messages: [{ role: 'user', content: PROMPT }] });
    expectError(noTemplate, 400, 'invalid_request', 'messages');
    expect(noTemplate.body.error.message).toMatch(/--chat-template/);
    const image = await chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] });
    expectError(image, 400, 'unsupported', 'messages[0].content[0]');
    expectError(await chat({ messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' }), 400, 'unsupported', 'tool_choice');
    expectError(await chat({ messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 }), 400, 'invalid_request', 'top_logprobs');
    expectError(await chat({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }), 400, 'unsupported', 'response_format');
  });
});

describe('context and size limits', () => {
  it('a prompt longer than --max-model-len, or prompt plus max_tokens beyond it, is context_length_exceeded', async () => {
    const long = Array.from({ length: 70 }, (_, i) => 1 + (i % 60));
    const res = await completions({ prompt: long });
    expectError(res, 400, 'context_length_exceeded', 'prompt');
    expect(res.body.error.message).toMatch(/maximum context length is 64 tokens.*70 input tokens/);
    expectError(await completions({ prompt: long.slice(0, 64) }), 400, 'context_length_exceeded', 'prompt');
    const over = await completions({ prompt: long.slice(0, 40), max_tokens: 30 });
    expectError(over, 400, 'context_length_exceeded', 'max_tokens');
    expect(over.body.error.message).toMatch(/70 tokens \(40 in the input, 30 in the completion\)/);
    expect((await completions({ prompt: long.slice(0, 40), max_tokens: 24 })).status).toBe(200);
  });

  it('a body larger than the server accepts gets 413', async () => {
    const res = await completions({ prompt: 'x'.repeat(100 * 1024) });
    expectError(res, 413, 'request_too_large', null);
  });
});

describe('unknown things get 404', () => {
  it('an unknown model', async () => {
    const res = await completions({ model: 'gpt-9', prompt: PROMPT });
    expectError(res, 404, 'model_not_found', 'model');
    expect(res.body.error.message).toMatch(/gpt-9.*does not exist/);
    expectError(await chat({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }), 404, 'model_not_found', 'model');
    expect((await fetch(`${server.url}/v1/models/gpt-9`)).status).toBe(404);
    expect((await completions({ model: 'alias', prompt: PROMPT, max_tokens: 1 })).status).toBe(200);
  });

  it('an unknown route', async () => {
    const res = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expectError({ status: res.status, body: await res.json() }, 404, 'not_found', null);
  });
});

describe('API key', () => {
  const ask = (headers: Record<string, string>) => postJson(`${keyed.url}/v1/completions`, { prompt: PROMPT, max_tokens: 2 }, headers);

  it('a missing or wrong key gets 401; the right one passes; /health and /metrics stay open', async () => {
    expectError(await ask({}), 401, 'invalid_api_key', null);
    expectError(await ask({ authorization: 'Bearer sk-wrong' }), 401, 'invalid_api_key', null);
    expectError(await ask({ authorization: 'Bearer sk-righ' }), 401, 'invalid_api_key', null);
    expectError(await ask({ authorization: 'sk-right' }), 401, 'invalid_api_key', null);
    expect((await ask({ authorization: 'Bearer sk-right' })).status).toBe(200);
    expect((await fetch(`${keyed.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${keyed.url}/health`)).status).toBe(200);
    expect((await fetch(`${keyed.url}/metrics`)).status).toBe(200);
  });
});

describe('robustness', () => {
  it('bad requests in the middle of good ones change nothing for the good ones', async () => {
    const good = () => completions({ prompt: PROMPT, max_tokens: 8, temperature: 0 });
    const expected = (await good()).body.choices[0].text;
    const mixed = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? good() : i % 3 === 1 ? completions('{oops') : completions({ prompt: PROMPT, top_p: -1 })));
    mixed.forEach((res, i) => {
      if (i % 3 === 0) expect([res.status, res.body.choices[0].text]).toEqual([200, expected]);
      else expect(res.status).toBe(400);
    });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
