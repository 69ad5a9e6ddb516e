/**
 * `hipserve serve` on the GPU behaves as on the CPU: the same model folder served twice (HIPSERVE_DEVICE=cuda and
 * HIPSERVE_DEVICE=cpu), driven by the official openai client over loopback, must answer alike — the same greedy
 * text, streams that add up to it, the same errors, batching that changes nothing — while the GPU server keeps
 * serving. The model (test/gpu/server/make_serve_model.py, run by test/gpu/server/device-run-serve.sh) has random
 * weights spread wide enough that bf16 noise does not flip its greedy choices.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CHAT_TEMPLATE, missingBuild, startCliServer, type CliServer } from '../../server/helpers/cli-server.js';
import { postJson } from '../../server/helpers/fake-server.js';
import { noGpu } from '../helpers/gpu.js';

const MODEL_DIR = process.env.HIPSERVE_GPU_SERVE_MODEL;
const skip = noGpu || missingBuild() || (MODEL_DIR ? false : 'HIPSERVE_GPU_SERVE_MODEL is not set');
const model = 'serve-llama';
const PROMPTS = ['Once upon a time', 'The little dog', 'Lily and Tom went to the park. They', 'One day'];

async function serve(device: string, extra: string[] = []): Promise<{ server: CliServer; client: OpenAI }> {
  const server = await startCliServer([MODEL_DIR!, '--served-model-name', model, '--chat-template', CHAT_TEMPLATE,
    '--max-model-len', '512', '--seed', '11', ...extra], { HIPSERVE_DEVICE: device }, 120_000);
  return { server, client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 }) };
}

async function greedy(client: OpenAI, prompt: string, maxTokens = 24) {
  const res = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0 });
  return { text: res.choices[0]!.text, finish: res.choices[0]!.finish_reason, usage: res.usage };
}

describe.skipIf(skip)('hipserve serve on the GPU answers as on the CPU', () => {
  let gpu: { server: CliServer; client: OpenAI };
  let cpu: { server: CliServer; client: OpenAI };

  beforeAll(async () => {
    [gpu, cpu] = await Promise.all([serve('cuda', ['--gpu-memory-utilization', '0.2']), serve('cpu')]);
  }, 240_000);
  afterAll(async () => {
    expect(await gpu?.server.stop('SIGTERM')).toBe(0);
    expect(await cpu?.server.stop('SIGTERM')).toBe(0);
  });

  it('runs on the GPU platform', () => {
    expect(gpu.server.stderr()).toMatch(/platform\s+cuda\n/);
    expect(cpu.server.stderr()).toMatch(/platform\s+cpu\n/);
  });

  it('completes greedily with the CPU server\'s text, usage and finish reason', async () => {
    for (const prompt of PROMPTS) {
      const [g, c] = await Promise.all([greedy(gpu.client, prompt), greedy(cpu.client, prompt)]);
      expect(g, prompt).toEqual(c);
    }
  });

  it('streams chunks that add up to the whole completion, usage last', async () => {
    const whole = await greedy(gpu.client, PROMPTS[0]!, 32);
    const stream = await gpu.client.completions.create({ model, prompt: PROMPTS[0]!, max_tokens: 32, temperature: 0,
      stream: true, stream_options: { include_usage: true } });
    let text = '', chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(whole.text);
    expect(chunks).toBeGreaterThan(3);
    expect(usage).toEqual(whole.usage);
  });

  it('chat-completes through the chat template as the CPU server does', async () => {
    const messages = [{ role: 'system' as const, content: 'A story.' }, { role: 'user' as const, content: 'Tell me about Lily.' }];
    const [g, c] = await Promise.all([gpu, cpu].map((s) =>
      s.client.chat.completions.create({ model, messages, max_tokens: 20, temperature: 0 })));
    expect(g!.choices[0]!.message).toEqual(c!.choices[0]!.message);
    expect(g!.usage).toEqual(c!.usage);
  });

  it('batches concurrent requests without changing any of them', async () => {
    const solo = await Promise.all(PROMPTS.map((p) => greedy(cpu.client, p, 16)));
    const many = Array.from({ length: 24 }, (_, i) => PROMPTS[i % PROMPTS.length]!);
    const together = await Promise.all(many.map((p) => greedy(gpu.client, p, 16)));
    together.forEach((r, i) => expect(r, many[i]).toEqual(solo[i % PROMPTS.length]));
  });

  it('samples on the device: a seed repeats its text, other seeds vary, n choices come back', async () => {
    // The model's weights make its distributions sharp: a high temperature flattens them enough to vary.
    const ask = (seed: number) => gpu.client.completions.create({ model, prompt: PROMPTS[1]!, max_tokens: 16,
      temperature: 20, top_p: 0.95, top_k: 50, seed } as OpenAI.CompletionCreateParamsNonStreaming);
    const [a, b] = await Promise.all([ask(1), ask(1)]);
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
    const others = await Promise.all([2, 3, 4, 5].map(ask));
    expect(new Set([a, ...others].map((r) => r.choices[0]!.text)).size).toBeGreaterThan(1);
    const n = await gpu.client.completions.create({ model, prompt: PROMPTS[1]!, max_tokens: 8, n: 3, temperature: 0.8, seed: 9 });
    expect(n.choices.map((c) => c.index).sort()).toEqual([0, 1, 2]);
    expect(n.usage!.completion_tokens).toBeGreaterThanOrEqual(3);
    expect(n.usage!.completion_tokens).toBeLessThanOrEqual(24);
  });

  it('returns logprobs close to the CPU server\'s (bf16 against f32)', async () => {
    const ask = (s: typeof gpu) => s.client.completions.create({ model, prompt: PROMPTS[2]!, max_tokens: 6,
      temperature: 0, logprobs: 3 });
    const [g, c] = await Promise.all([ask(gpu), ask(cpu)]);
    const gl = g.choices[0]!.logprobs!, cl = c.choices[0]!.logprobs!;
    expect(gl.tokens).toEqual(cl.tokens);
    gl.token_logprobs!.forEach((lp, i) => expect(Math.abs(lp - cl.token_logprobs![i]!), `token ${i}`).toBeLessThan(0.1));
    expect(gl.top_logprobs!.map((t) => Object.keys(t).length)).toEqual(cl.top_logprobs!.map((t) => Object.keys(t).length));
  });

  it('refuses bad requests with the CPU server\'s error and keeps serving', async () => {
    const bad = [
      { model, prompt: PROMPTS[0], max_tokens: 600 },
      { model: 'nope', prompt: PROMPTS[0], max_tokens: 4 },
      { model, prompt: PROMPTS[0], max_tokens: 4, temperature: -1 },
      { model, prompt: 'x '.repeat(700), max_tokens: 4 },
    ];
    for (const body of bad) {
      const [g, c] = await Promise.all([gpu, cpu].map((s) => postJson(`${s.server.url}/v1/completions`, body)));
      expect(g!.status, JSON.stringify(body).slice(0, 60)).toBe(c!.status);
      expect(g!.status).toBeGreaterThanOrEqual(400);
      expect(g!.body).toEqual(c!.body);
    }
    expect(await greedy(gpu.client, PROMPTS[3]!)).toEqual(await greedy(cpu.client, PROMPTS[3]!));
  });
});
