import { jsSamplingKernels } from './js-sampling-kernels.js';
import { applyLogitsProcessors } from './logits-processors.js';
import { positionLogprobs, type PositionLogprobs } from './logprobs.js';
import { isGreedy } from './sampling-params.js';
import type { SamplingKernels } from './sampling-kernels.js';
import type { SamplingRow } from './sampling-row.js';

export interface SampleResult {
  readonly tokenId: number;
  /** Log-probabilities from the raw logits (before penalties and temperature), when the request asked. */
  readonly logprobs: PositionLogprobs | null;
}

/**
 * Turns logits [rows.length, vocabSize] into one token per row: per-request logits processors, then greedy argmax
 * or temperature → top-k/top-p/min-p → an inverse-CDF draw with the request's own generator. Edits `logits` in place.
 */
export class Sampler {
  private readonly counts: Int32Array;
  private capacity = 0;
  private topK = new Int32Array(0);
  private topP = new Float32Array(0);
  private minP = new Float32Array(0);
  private uniform = new Float32Array(0);
  private greedyOut = new Int32Array(0);
  private randomOut = new Int32Array(0);

  constructor(readonly vocabSize: number, private readonly kernels: SamplingKernels = jsSamplingKernels) {
    this.counts = new Int32Array(vocabSize);
  }

  sample(logits: Float32Array, rows: readonly SamplingRow[]): SampleResult[] {
    const n = rows.length, v = this.vocabSize;
    if (logits.length < n * v) throw new RangeError(`logits hold ${logits.length} values, ${n} rows need ${n * v}`);
    this.ensure(n);
    const raw = rows.map((r, i) => (r.params.logprobs !== null ? logits.slice(i * v, (i + 1) * v) : null));
    let anyGreedy = false, anyRandom = false, anyFilter = false;
    rows.forEach((r, i) => {
      const row = logits.subarray(i * v, (i + 1) * v);
      applyLogitsProcessors(row, r, this.counts);
      const p = r.params;
      if (isGreedy(p)) {
        anyGreedy = true;
        this.topK[i] = 0;
        this.topP[i] = 1;
        this.minP[i] = 0;
        this.uniform[i] = 0;
        return;
      }
      anyRandom = true;
      if (p.temperature !== 1) for (let j = 0; j < v; j++) row[j] = row[j]! / p.temperature;
      this.topK[i] = p.topK;
      this.topP[i] = p.topP;
      this.minP[i] = p.minP;
      anyFilter ||= p.topK > 0 || p.topP < 1 || p.minP > 0;
      this.uniform[i] = r.generator.nextUniform();
    });
    if (anyGreedy) this.kernels.argmax(logits, n, v, this.greedyOut);
    if (anyFilter) this.kernels.topKTopPMinP(logits, n, v, this.topK, this.topP, this.minP);
    if (anyRandom) this.kernels.sampleCategorical(logits, n, v, this.uniform, this.randomOut);
    return rows.map((r, i) => {
      const tokenId = isGreedy(r.params) ? this.greedyOut[i]! : this.randomOut[i]!;
      const rawRow = raw[i];
      return { tokenId, logprobs: rawRow ? positionLogprobs(rawRow, tokenId, r.params.logprobs!) : null };
    });
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = Math.max(n, this.capacity * 2);
    this.topK = new Int32Array(this.capacity);
    this.topP = new Float32Array(this.capacity);
    this.minP = new Float32Array(this.capacity);
    this.uniform = new Float32Array(this.capacity);
    this.greedyOut = new Int32Array(this.capacity);
    this.randomOut = new Int32Array(this.capacity);
  }
}
