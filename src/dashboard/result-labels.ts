import path from 'node:path';

import type { BenchResult } from '../bench/bench-result.js';

export type AnyResult = BenchResult<Record<string, unknown>>;

/** Oldest run first. */
export const byDate = (a: AnyResult, b: AnyResult): number => a.environment.date.localeCompare(b.environment.date);

export function numberField(record: Readonly<Record<string, unknown>>, key: string): number | null {
  const v = record[key];
  if (v === 'inf') return Infinity;
  return typeof v === 'number' && !Number.isNaN(v) ? v : null;
}

function stringField(record: Readonly<Record<string, unknown>>, key: string): string | null {
  const v = record[key];
  return typeof v === 'string' ? v : null;
}

/** A model as people name it: a repo id as is, a local path by its last two parts (stories260K/hf). */
export function displayModel(result: AnyResult): string {
  const id = result.model?.id;
  if (!id) return 'no model';
  const isPath = path.isAbsolute(id) || id.startsWith('.') || id.split('/').length > 2;
  return isPath ? id.split(/[\\/]/).filter(Boolean).slice(-2).join('/') : id;
}

/** A series name: the run's --label (e.g. vllm, hipserve), model and hardware. */
export function seriesName(result: AnyResult, ...rest: string[]): string {
  return [result.label, displayModel(result), result.environment.hardware, ...rest].filter(Boolean).join(' · ');
}

/** The work a serve run measured, comparable across runs: dataset, lengths and API. */
export function serveWorkload(result: AnyResult): string {
  const c = result.config;
  const dataset = stringField(c, 'datasetName') ?? 'random';
  const out = numberField(c, 'outputLen');
  let shape: string;
  if (dataset === 'random') {
    shape = `${numberField(c, 'inputLen') ?? numberField(c, 'randomInputLen')} → ${out ?? numberField(c, 'randomOutputLen')} tokens`;
    const prefix = numberField(c, 'randomPrefixLen');
    if (prefix) shape = `prefix ${prefix} + ${shape}`;
  } else if (dataset === 'prefix_repetition') {
    shape = `${numberField(c, 'prefixRepetitionNumPrefixes')}× prefix ${numberField(c, 'prefixRepetitionPrefixLen')} + ${numberField(c, 'prefixRepetitionSuffixLen')} → ${out ?? numberField(c, 'prefixRepetitionOutputLen')} tokens`;
  } else {
    const file = stringField(c, 'datasetPath');
    shape = `${file ? path.basename(file) : ''}${out ?? numberField(c, 'sharegptOutputLen') ? ` → ${out ?? numberField(c, 'sharegptOutputLen')} tokens` : ''}`;
  }
  const api = stringField(c, 'backend') === 'openai-chat' ? ' (chat)' : '';
  return `${dataset} ${shape}${api}`;
}

/** How hard a serve run pushed: its concurrency limit, else its request rate; `order` places it on a curve. */
export function loadLevel(result: AnyResult): { label: string; order: number } {
  const concurrency = numberField(result.config, 'maxConcurrency');
  const rate = numberField(result.config, 'requestRate') ?? Infinity;
  if (concurrency !== null) return { label: `concurrency ${concurrency}`, order: concurrency };
  if (rate !== Infinity) return { label: `${rate} req/s`, order: rate };
  return { label: 'burst', order: Number.MAX_SAFE_INTEGER };
}
