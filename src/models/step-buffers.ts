import type { TensorArg } from '../../bindings/tensor.js';
import { gatedMlpScratchViews, type GatedMlpScratch } from '../layers/gated-mlp.js';
import { StepScratch } from '../layers/step-scratch.js';

export interface StepDims {
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
}

/** The activations of a step of numTokens tokens, as kernel arguments. */
export interface StepViews {
  readonly numTokens: number;
  /** [T, H] */
  readonly hidden: TensorArg;
  readonly residual: TensorArg;
  /** [T, Hq·D] and [T, Hk·D]: projections out, RoPE in. */
  readonly q: TensorArg;
  readonly k: TensorArg;
  readonly v: TensorArg;
  /** [T·Hq, D] and [T·Hk, D]: one row per head, for per-head norms. */
  readonly qRows: TensorArg;
  readonly kRows: TensorArg;
  /** [T, Hq, D] and [T, Hk, D]: attention's view of the same buffers. */
  readonly qHeads: TensorArg;
  readonly kHeads: TensorArg;
  readonly vHeads: TensorArg;
  readonly attnOutHeads: TensorArg;
  /** [T, Hq·D]: o_proj's input. */
  readonly attnOut: TensorArg;
  readonly mlp: GatedMlpScratch;
}

/** Activations of one step, reused by every layer and step (see StepScratch for how they grow). */
export class StepBuffers extends StepScratch<StepViews> {
  private hidden = new Float32Array(0);
  private residual = new Float32Array(0);
  private q = new Float32Array(0);
  private k = new Float32Array(0);
  private v = new Float32Array(0);
  private attnOut = new Float32Array(0);
  private gateUp = new Float32Array(0);
  private act = new Float32Array(0);

  constructor(
    readonly dims: StepDims,
    initialTokens: number,
  ) {
    super();
    this.reserve(initialTokens);
  }

  /** The hidden states [T, H] of the last step, row-major. */
  hiddenData(): Float32Array {
    return this.hidden;
  }

  /** Zeroes the residual stream of a step's tokens, so the first block's fused add starts from the embeddings. */
  clearResidual(numTokens: number): void {
    this.residual.fill(0, 0, numTokens * this.dims.hiddenSize);
  }

  protected allocate(n: number): void {
    const { hiddenSize, numHeads, numKvHeads, headDim, intermediateSize } = this.dims;
    this.hidden = new Float32Array(n * hiddenSize);
    this.residual = new Float32Array(n * hiddenSize);
    this.q = new Float32Array(n * numHeads * headDim);
    this.k = new Float32Array(n * numKvHeads * headDim);
    this.v = new Float32Array(n * numKvHeads * headDim);
    this.attnOut = new Float32Array(n * numHeads * headDim);
    this.gateUp = new Float32Array(n * 2 * intermediateSize);
    this.act = new Float32Array(n * intermediateSize);
  }

  protected makeViews(t: number): StepViews {
    const { hiddenSize: h, numHeads: hq, numKvHeads: hk, headDim: d, intermediateSize: i } = this.dims;
    const f32 = (data: Float32Array, shape: number[]): TensorArg => ({ data, dtype: 'f32', shape });
    return {
      numTokens: t,
      hidden: f32(this.hidden, [t, h]),
      residual: f32(this.residual, [t, h]),
      q: f32(this.q, [t, hq * d]),
      k: f32(this.k, [t, hk * d]),
      v: f32(this.v, [t, hk * d]),
      qRows: f32(this.q, [t * hq, d]),
      kRows: f32(this.k, [t * hk, d]),
      qHeads: f32(this.q, [t, hq, d]),
      kHeads: f32(this.k, [t, hk, d]),
      vHeads: f32(this.v, [t, hk, d]),
      attnOutHeads: f32(this.attnOut, [t, hq, d]),
      attnOut: f32(this.attnOut, [t, hq * d]),
      mlp: gatedMlpScratchViews(this.gateUp, this.act, t, i),
    };
  }
}
