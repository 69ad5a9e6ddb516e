import { isGreedy } from './sampling-params.js';
import type { SamplingRow } from './sampling-row.js';

/** Word (4-byte) offsets of each section of a packed step. */
export interface DeviceSamplingWords {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly minP: number;
  readonly uniform: number;
  readonly offsets: number;
  readonly penalties: number;
  readonly ids: number;
  readonly values: number;
  readonly rowIndex: number;
}

/**
 * One sampling step's per-row inputs packed into one host buffer for one upload (all 4-byte words):
 *
 *   temperature f32[n] | topK i32[n] | topP f32[n] | minP f32[n] | uniform f32[n]
 *   | offsets i32[4n + 1] | penalties f32[n, 3] | ids i32[T] | values f32[T] | rowIndex i32[M]
 *
 * offsets/ids/values are the CSR token lists of native/hip/sampling_logits_processors.h; rowIndex lists the M rows
 * asking for logprobs. Greedy rows get temperature 0 and draw no uniform; the others advance their generator once.
 */
export interface DeviceSamplingStep {
  readonly host: ArrayBuffer;
  readonly words: DeviceSamplingWords;
  /** Whether any row has a logits processor to apply. */
  readonly processors: boolean;
  readonly numTokens: number;
  readonly logprobRows: readonly number[];
  /** Width of the top-logprobs output: the largest k asked. */
  readonly topK: number;
  /** Whether a logprobs row is also edited by processors (its raw logits must be copied first). */
  readonly gather: boolean;
}

interface RowLists {
  allowed: readonly number[];
  masked: number[];
  bias: [number, number][];
  penalized: [number, number][];
}

function rowLists(r: SamplingRow): RowLists | null {
  const p = r.params;
  const masked = [...(p.badTokenIds ?? [])];
  if (r.outputTokenIds.length < p.minTokens) {
    masked.push(...p.stopTokenIds);
    if (!p.ignoreEos) masked.push(...r.eosTokenIds);
  }
  const bias = p.logitBias ? [...p.logitBias] : [];
  const penalized: [number, number][] = [];
  const freqOrPresence = p.frequencyPenalty !== 0 || p.presencePenalty !== 0;
  if (p.repetitionPenalty !== 1 || freqOrPresence) {
    const counts = new Map<number, number>();
    if (p.repetitionPenalty !== 1) for (const id of r.promptTokenIds) counts.set(id, 0);
    for (const id of r.outputTokenIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    penalized.push(...counts);
  }
  const allowed = p.allowedTokenIds ?? [];
  if (allowed.length + masked.length + bias.length + penalized.length === 0) return null;
  return { allowed, masked, bias, penalized };
}

export function packDeviceSamplingStep(rows: readonly SamplingRow[], maxLogprobs: number): DeviceSamplingStep {
  const n = rows.length;
  const lists = rows.map(rowLists);
  const numTokens = lists.reduce((s, l) => s + (l ? l.allowed.length + l.masked.length + l.bias.length + l.penalized.length : 0), 0);
  const logprobRows: number[] = [];
  let topK = 0, gather = false;
  rows.forEach((r, i) => {
    const k = r.params.logprobs;
    if (k === null) return;
    if (k > maxLogprobs) throw new RangeError(`row ${i} asks for ${k} logprobs, the sampler allows ${maxLogprobs}`);
    logprobRows.push(i);
    topK = Math.max(topK, k);
    gather ||= lists[i] !== null;
  });
  const words: DeviceSamplingWords = {
    temperature: 0, topK: n, topP: 2 * n, minP: 3 * n, uniform: 4 * n, offsets: 5 * n, penalties: 9 * n + 1,
    ids: 12 * n + 1, values: 12 * n + 1 + numTokens, rowIndex: 12 * n + 1 + 2 * numTokens,
  };
  const host = new ArrayBuffer(4 * (words.rowIndex + logprobRows.length));
  const f32 = new Float32Array(host), i32 = new Int32Array(host);
  let t = 0;
  const put = (id: number, value: number) => {
    i32[words.ids + t] = id;
    f32[words.values + t++] = value;
  };
  rows.forEach((r, i) => {
    const p = r.params;
    const greedy = isGreedy(p);
    f32[words.temperature + i] = greedy ? 0 : p.temperature;
    i32[words.topK + i] = greedy ? 0 : p.topK;
    f32[words.topP + i] = greedy ? 1 : p.topP;
    f32[words.minP + i] = greedy ? 0 : p.minP;
    f32[words.uniform + i] = greedy ? 0 : r.generator.nextUniform();
    f32.set([p.repetitionPenalty, p.frequencyPenalty, p.presencePenalty], words.penalties + 3 * i);
    const l = lists[i];
    const segments = l ? [l.allowed.map((id) => [id, 0] as const), l.masked.map((id) => [id, 0] as const), l.bias, l.penalized] : [];
    for (let s = 0; s < 4; s++) {
      i32[words.offsets + 4 * i + s] = t;
      for (const [id, value] of segments[s] ?? []) put(id, value);
    }
  });
  i32[words.offsets + 4 * n] = t;
  i32.set(logprobRows, words.rowIndex);
  return { host, words, processors: numTokens > 0, numTokens, logprobRows, topK, gather };
}
