import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { HipserveError } from '../errors.js';
import type { WeightSource } from '../loader/weights.js';
import { matmulWeightArg, requireWeight } from './weight-tensors.js';

/**
 * The language-model head: logits = hidden[rows]·Wᵀ with W [vocabSize, hiddenSize] from lm_head.weight, or the
 * token embedding when tied (or when the checkpoint has no lm_head, as llama.cpp reads such files).
 * The returned logits are a view of a buffer reused by the next call.
 */
export class LogitsHead {
  private gathered = new Float32Array(0);
  private logits = new Float32Array(0);

  constructor(
    private readonly ops: NativeOps,
    private readonly weight: TensorArg,
    private readonly hiddenSize: number,
    private readonly vocabSize: number,
  ) {}

  /**
   * `embeddingTable`: the embedding layer's loaded table, which a head on the embedding then shares instead of
   * getting it again (a quantized GGUF would dequantize a second copy).
   */
  static load(ops: NativeOps, weights: WeightSource, opts: { tied: boolean; vocabSize: number; hiddenSize: number;
    embeddingName: string; lmHeadName: string; embeddingTable?: TensorArg }): LogitsHead {
    const onEmbedding = opts.tied || !weights.has(opts.lmHeadName);
    const name = onEmbedding ? opts.embeddingName : opts.lmHeadName;
    const w = onEmbedding && opts.embeddingTable ? opts.embeddingTable
      : matmulWeightArg(requireWeight(weights, name, [opts.vocabSize, opts.hiddenSize]));
    return new LogitsHead(ops, w, opts.hiddenSize, opts.vocabSize);
  }

  /** hidden [numTokens, hiddenSize] f32 → logits [rows.length, vocabSize] for the selected rows. */
  forward(hidden: Float32Array, numTokens: number, rows: Int32Array): Float32Array {
    const n = rows.length;
    const h = this.hiddenSize;
    if (n === 0) return this.logits.subarray(0, 0);
    if (this.gathered.length < n * h) {
      this.gathered = new Float32Array(n * h);
      this.logits = new Float32Array(n * this.vocabSize);
    }
    for (let r = 0; r < n; r++) {
      const row = rows[r]!;
      if (!(row >= 0 && row < numTokens)) {
        throw new HipserveError('engine_error', `logits row ${row} is outside the step's ${numTokens} tokens`);
      }
      copyRow(hidden, row, this.gathered, r, h);
    }
    this.ops.matmul({ data: this.gathered, dtype: 'f32', shape: [n, h] }, this.weight, null,
      { data: this.logits, dtype: 'f32', shape: [n, this.vocabSize] });
    return this.logits.subarray(0, n * this.vocabSize);
  }
}

function copyRow(src: Float32Array, srcRow: number, dst: Float32Array, dstRow: number, width: number): void {
  const s = srcRow * width;
  const d = dstRow * width;
  for (let i = 0; i < width; i++) dst[d + i] = src[s + i]!;
}
