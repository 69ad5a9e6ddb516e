import { performance } from 'node:perf_hooks';

import { HipserveError } from '../errors.js';
import { Semaphore } from '../bench/serve/semaphore.js';
import { fewShotPrompt, GSM8K_STOP, scoreGsm8k, type Gsm8kItem, type Gsm8kScore } from './gsm8k.js';

export interface Gsm8kRunOptions {
  readonly baseUrl: string;
  readonly model: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly numShots: number;
  readonly maxTokens: number;
  readonly maxConcurrency: number;
  readonly temperature: number;
  readonly seed: number | null;
}

export interface Gsm8kRun extends Gsm8kScore {
  readonly latency_s: number;
  readonly questions_per_second: number;
  readonly total_output_tokens: number;
  readonly output_tokens_per_second: number;
  readonly completions: readonly string[];
}

interface CompletionResponse {
  choices?: { text?: string }[];
  usage?: { completion_tokens?: number };
}

async function complete(o: Gsm8kRunOptions, prompt: string): Promise<{ text: string; tokens: number }> {
  const response = await fetch(`${o.baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...o.headers },
    body: JSON.stringify({
      ...(o.model !== null ? { model: o.model } : {}), prompt, max_tokens: o.maxTokens, temperature: o.temperature,
      stop: GSM8K_STOP, ...(o.seed !== null ? { seed: o.seed } : {}),
    }),
  });
  if (!response.ok) throw new HipserveError('invalid_request', `${o.baseUrl}/v1/completions answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const body = (await response.json()) as CompletionResponse;
  return { text: body.choices?.[0]?.text ?? '', tokens: body.usage?.completion_tokens ?? 0 };
}

/**
 * Few-shot GSM8K against a server's /v1/completions: `shots` worked examples before each question, greedy, scored
 * by the last number of each completion against the label after "####".
 */
export async function runGsm8k(shots: readonly Gsm8kItem[], questions: readonly Gsm8kItem[], o: Gsm8kRunOptions,
  onDone: (done: number) => void = () => {}): Promise<Gsm8kRun> {
  const slots = new Semaphore(o.maxConcurrency);
  const start = performance.now();
  let done = 0;
  const answers = await Promise.all(questions.map(async (item) => {
    await slots.acquire();
    try {
      return await complete(o, fewShotPrompt(shots, item));
    } finally {
      slots.release();
      onDone(++done);
    }
  }));
  const latency = (performance.now() - start) / 1000;
  const tokens = answers.reduce((n, a) => n + a.tokens, 0);
  return {
    ...scoreGsm8k(questions, answers.map((a) => a.text)),
    latency_s: latency,
    questions_per_second: questions.length / latency,
    total_output_tokens: tokens,
    output_tokens_per_second: tokens / latency,
    completions: answers.map((a) => a.text),
  };
}
