import type { TensorArg } from '../../bindings/tensor.js';
import { gatedMlpScratchViews, type GatedMlpScratch } from './gated-mlp.js';
import { StepScratch } from './step-scratch.js';

export interface MoeScratchDims {
  readonly hiddenSize: number;
  readonly numExperts: number;
  readonly topK: number;
  /** Shared experts' intermediate size (0 without). */
  readonly sharedIntermediateSize: number;
}

/** What an MoE block writes for a step of T tokens, as kernel arguments. */
export interface MoeStepViews {
  readonly numTokens: number;
  /** [T, E] router logits. */
  readonly logits: TensorArg;
  /** [T, k] i32 and f32. */
  readonly topkIds: TensorArg;
  readonly topkWeights: TensorArg;
  /** [T, H]: the block's output before it is copied onto an aliased out. */
  readonly out: TensorArg;
  readonly shared: GatedMlpScratch;
}

/** Scratch shared by the MoE blocks of one model (they run one after another); grows like every StepScratch. */
export class MoeScratch extends StepScratch<MoeStepViews> {
  private logits = new Float32Array(0);
  private topkIds = new Int32Array(0);
  private topkWeights = new Float32Array(0);
  private out = new Float32Array(0);
  private gateUp = new Float32Array(0);
  private act = new Float32Array(0);

  constructor(readonly dims: MoeScratchDims) {
    super();
  }

  protected allocate(n: number): void {
    const { hiddenSize: h, numExperts: e, topK: k, sharedIntermediateSize: i } = this.dims;
    this.logits = new Float32Array(n * e);
    this.topkIds = new Int32Array(n * k);
    this.topkWeights = new Float32Array(n * k);
    this.out = new Float32Array(n * h);
    this.gateUp = new Float32Array(n * 2 * i);
    this.act = new Float32Array(n * i);
  }

  protected makeViews(t: number): MoeStepViews {
    const { hiddenSize: h, numExperts: e, topK: k, sharedIntermediateSize: i } = this.dims;
    return {
      numTokens: t,
      logits: { data: this.logits, dtype: 'f32', shape: [t, e] },
      topkIds: { data: this.topkIds, dtype: 'i32', shape: [t, k] },
      topkWeights: { data: this.topkWeights, dtype: 'f32', shape: [t, k] },
      out: { data: this.out, dtype: 'f32', shape: [t, h] },
      shared: gatedMlpScratchViews(this.gateUp, this.act, t, i),
    };
  }
}
