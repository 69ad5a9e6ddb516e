/**
 * The batched row operations the sampler needs, on logits [numRows, vocabSize] (row-major f32). Two
 * implementations: plain TypeScript (js-sampling-kernels.ts, the reference) and the native addon's.
 */
export interface SamplingKernels {
  /** out[r] = index of the largest logit of row r (lowest index on ties). */
  argmax(logits: Float32Array, numRows: number, vocabSize: number, out: Int32Array): void;
  /**
   * In place: keep the topK[r] (<= 0 disables) largest, then the smallest set whose probability reaches topP[r]
   * (>= 1 disables), then those with p >= minP[r] * p_max (<= 0 disables); the rest become -inf. Ties at a cut-off
   * are kept.
   */
  topKTopPMinP(logits: Float32Array, numRows: number, vocabSize: number, topK: Int32Array, topP: Float32Array,
    minP: Float32Array): void;
  /** out[r] = inverse-CDF draw from softmax(row r) with uniform[r] in [0, 1); -inf logits are never chosen. */
  sampleCategorical(logits: Float32Array, numRows: number, vocabSize: number, uniform: Float32Array, out: Int32Array): void;
}
