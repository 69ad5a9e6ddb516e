import { readFileSync } from 'node:fs';

import { HipserveError } from '../errors.js';

/** One GSM8K item: a word problem and its worked answer ending "#### <number>". */
export interface Gsm8kItem {
  readonly question: string;
  readonly answer: string;
}

/** Reads GSM8K JSONL (one {question, answer} per line; blank lines and lines starting with "#" skipped). */
export function readGsm8k(file: string): Gsm8kItem[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HipserveError('invalid_request', `${file}: ${(e as Error).message}`, 'task-file');
  }
  return text.split('\n').flatMap((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return [];
    let item: Partial<Gsm8kItem>;
    try {
      item = JSON.parse(line) as Partial<Gsm8kItem>;
    } catch {
      throw new HipserveError('invalid_request', `${file}:${i + 1}: not JSON`, 'task-file');
    }
    if (typeof item.question !== 'string' || typeof item.answer !== 'string') {
      throw new HipserveError('invalid_request', `${file}:${i + 1}: expected {"question": ..., "answer": ...}`, 'task-file');
    }
    return [{ question: item.question, answer: item.answer }];
  });
}

/** The answer a text gives: its last run of digits, commas removed (vLLM's and SGLang's GSM8K scoring); null if none. */
export function answerValue(text: string): number | null {
  const numbers = text.replace(/,/g, '').match(/\d+/g);
  return numbers ? Number(numbers[numbers.length - 1]) : null;
}

/** "Question: …\nAnswer: …\n\n" per shot, then "Question: …\nAnswer:" — the few-shot prompt vLLM's GSM8K eval sends. */
export function fewShotPrompt(shots: readonly Gsm8kItem[], item: Gsm8kItem): string {
  const examples = shots.map((s) => `Question: ${s.question}\nAnswer: ${s.answer}\n\n`).join('');
  return `${examples}Question: ${item.question}\nAnswer:`;
}

/** Stops a completion before it invents the next question. */
export const GSM8K_STOP = ['Question', 'Assistant:', '<|separator|>'];

export interface Gsm8kScore {
  readonly questions: number;
  readonly correct: number;
  readonly accuracy: number;
  /** Completions with no number in them. */
  readonly invalid_rate: number;
}

export function scoreGsm8k(items: readonly Gsm8kItem[], completions: readonly string[]): Gsm8kScore {
  let correct = 0;
  let invalid = 0;
  items.forEach((item, i) => {
    const predicted = answerValue(completions[i] ?? '');
    if (predicted === null) invalid++;
    else if (predicted === answerValue(item.answer)) correct++;
  });
  const n = items.length;
  return { questions: n, correct, accuracy: n ? correct / n : 0, invalid_rate: n ? invalid / n : 0 };
}
