import type { SamplingRow } from './sampling-row.js';

/**
 * Per-request edits of one logits row before sampling, in vLLM's order: allowed ids, bad ids, min_tokens,
 * logit_bias, then repetition / frequency / presence penalties. `counts` is a zeroed scratch of vocabSize entries
 * and is left zeroed.
 */
export function applyLogitsProcessors(row: Float32Array, r: SamplingRow, counts: Int32Array): void {
  const p = r.params;
  if (p.allowedTokenIds !== null) {
    const keep = p.allowedTokenIds.map((id) => row[id]!);
    row.fill(-Infinity);
    p.allowedTokenIds.forEach((id, i) => (row[id] = keep[i]!));
  }
  if (p.badTokenIds !== null) for (const id of p.badTokenIds) row[id] = -Infinity;
  if (r.outputTokenIds.length < p.minTokens) {
    for (const id of p.stopTokenIds) row[id] = -Infinity;
    if (!p.ignoreEos) for (const id of r.eosTokenIds) row[id] = -Infinity;
  }
  if (p.logitBias !== null) for (const [id, bias] of p.logitBias) row[id] = row[id]! + bias;
  if (p.repetitionPenalty !== 1) applyRepetitionPenalty(row, r, p.repetitionPenalty, counts);
  if (p.frequencyPenalty !== 0 || p.presencePenalty !== 0) {
    for (const id of r.outputTokenIds) counts[id]!++;
    for (const id of r.outputTokenIds) {
      const c = counts[id]!;
      if (c === 0) continue;
      row[id] = row[id]! - p.frequencyPenalty * c - p.presencePenalty;
      counts[id] = 0;
    }
  }
}

/** Each token seen in the prompt or output once: positive logits divided by the penalty, negative multiplied. */
function applyRepetitionPenalty(row: Float32Array, r: SamplingRow, penalty: number, seen: Int32Array): void {
  const visit = (id: number): void => {
    if (seen[id] !== 0) return;
    seen[id] = 1;
    const v = row[id]!;
    row[id] = v > 0 ? v / penalty : v * penalty;
  };
  for (const id of r.promptTokenIds) visit(id);
  for (const id of r.outputTokenIds) visit(id);
  for (const id of r.promptTokenIds) seen[id] = 0;
  for (const id of r.outputTokenIds) seen[id] = 0;
}
