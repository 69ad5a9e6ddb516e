import type { AccuracyRow } from './dashboard-data.js';
import { displayModel, numberField, type AnyResult } from './result-labels.js';

/** The accuracy panel's rows: GSM8K exact match and agreement with reference outputs, newest first. */
export function accuracyRows(results: readonly AnyResult[]): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  for (const r of results) {
    const base = { model: displayModel(r), hardware: r.environment.hardware, commit: r.environment.gitCommit, date: r.environment.date };
    if (r.kind === 'eval-gsm8k') {
      const accuracy = numberField(r.results, 'accuracy');
      if (accuracy === null) continue;
      const shots = numberField(r.config, 'numShots');
      rows.push({ ...base, task: `GSM8K${shots !== null ? ` ${shots}-shot` : ''}`, metric: 'exact match', value: accuracy,
        detail: `${numberField(r.results, 'correct')}/${numberField(r.results, 'questions')} correct, invalid ${((numberField(r.results, 'invalid_rate') ?? 0) * 100).toFixed(1)}%` });
    } else if (r.kind === 'eval-reference') {
      const agreement = numberField(r.results, 'token_agreement');
      if (agreement === null) continue;
      const maxDiff = numberField(r.results, 'max_logprob_diff');
      // "llama.cpp via node-llama-cpp@3.21.1, CPU, ..." → "llama.cpp"; "transformers 5.17.0" → "transformers".
      const source = String(r.config.reference ?? '').split(/[\s,]/)[0];
      rows.push({ ...base, task: `reference${source ? ` (${source})` : ''}`, metric: 'greedy token agreement', value: agreement,
        detail: `${numberField(r.results, 'cases_matched')}/${numberField(r.results, 'cases')} cases identical${maxDiff !== null ? `, max |Δ logprob| ${maxDiff.toExponential(2)}` : ''}` });
    }
  }
  return rows.sort((a, b) => b.date.localeCompare(a.date));
}
