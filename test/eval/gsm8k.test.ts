import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { answerValue, fewShotPrompt, readGsm8k, scoreGsm8k } from '../../src/eval/gsm8k.js';
import { runGsm8k } from '../../src/eval/run-gsm8k.js';
import { repoPath } from '../helpers/shared-data.js';

const items = readGsm8k(repoPath('test/eval/fixtures/gsm8k-mini.jsonl'));
const label = (answer: string): number => Number(answer.split('####')[1]!.trim().replace(/,/g, ''));

describe('GSM8K scoring', () => {
  it('reads the label after ####, commas removed', () => {
    expect(items).toHaveLength(7);
    for (const item of items) expect(answerValue(item.answer)).toBe(label(item.answer));
  });

  it('takes a completion\'s last number and counts exact matches and invalid answers', () => {
    const completions = items.map((item, i) => [
      ` So the answer is ${label(item.answer).toLocaleString('en-US')}.`,  // thousands separators are fine
      ` First 2 + 2, then ${label(item.answer) + 1}.`,                     // wrong
      ' I do not know.',                                                    // invalid
    ][i % 3]!);
    const score = scoreGsm8k(items, completions);
    const right = items.filter((_, i) => i % 3 === 0).length;
    const none = items.filter((_, i) => i % 3 === 2).length;
    expect(score).toEqual({ questions: 7, correct: right, accuracy: right / 7, invalid_rate: none / 7 });
  });

  it('builds vLLM\'s few-shot prompt', () => {
    const prompt = fewShotPrompt(items.slice(0, 2), items[2]!);
    expect(prompt.startsWith(`Question: ${items[0]!.question}\nAnswer: ${items[0]!.answer}\n\nQuestion: ${items[1]!.question}`)).toBe(true);
    expect(prompt.endsWith(`Question: ${items[2]!.question}\nAnswer:`)).toBe(true);
  });
});

/** Answers the last question of each prompt correctly when its label is even, wrongly otherwise. */
function startOracle(): Promise<{ server: Server; url: string; bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c) => (text += String(c)));
    req.on('end', () => {
      const body = JSON.parse(text) as { prompt: string };
      bodies.push(body);
      const question = body.prompt.slice(body.prompt.lastIndexOf('Question: ') + 10, body.prompt.lastIndexOf('\nAnswer:'));
      const answer = label(items.find((i) => i.question === question)!.answer);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ choices: [{ index: 0, text: ` The answer is ${answer % 2 === 0 ? answer : answer + 1}.` }], usage: { completion_tokens: 6 } }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies })));
}

describe('GSM8K against a server', () => {
  let oracle: Awaited<ReturnType<typeof startOracle>>;
  beforeAll(async () => {
    oracle = await startOracle();
  });
  afterAll(() => new Promise<void>((resolve) => oracle.server.close(() => resolve())));

  it('asks every question greedily with the shots and stop strings, and scores the answers', async () => {
    const [shots, questions] = [items.slice(0, 2), items.slice(2)];
    const run = await runGsm8k(shots, questions, {
      baseUrl: oracle.url, model: 'm', headers: {}, numShots: 2, maxTokens: 64, maxConcurrency: 3, temperature: 0, seed: 42,
    });
    const even = questions.filter((q) => label(q.answer) % 2 === 0).length;
    expect(run).toMatchObject({ questions: 5, correct: even, accuracy: even / 5, invalid_rate: 0, total_output_tokens: 30 });
    expect(oracle.bodies).toHaveLength(5);
    for (const body of oracle.bodies) {
      expect(body).toMatchObject({ model: 'm', max_tokens: 64, temperature: 0, seed: 42, stop: ['Question', 'Assistant:', '<|separator|>'] });
      expect((body.prompt as string).split('Question: ')).toHaveLength(4);  // two shots and the question
    }
  });
});
