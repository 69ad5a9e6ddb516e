import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, NativeGpu } from '../../../bindings/gpu.js';
import type { HalfDType } from '../../layers/gpu/device-weights.js';
import type { GpuMoeViews } from '../../layers/gpu/gpu-fused-moe.js';
import { gpuMlpViews } from '../../layers/gpu/gpu-gated-mlp.js';

/** The MoE part of a model's step buffers. */
export interface GpuMoeDims {
  readonly numExperts: number;
  readonly topK: number;
  /** Sparse layers: each routes into its own slot of topkIds, so a step's routing can be read back whole. */
  readonly numLayers: number;
  /** Shared experts' intermediate size (0 without). */
  readonly sharedIntermediateSize: number;
}

export interface GpuStepDims {
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** The widest gated MLP of a step (dense layers' and shared experts'). */
  readonly intermediateSize: number;
  readonly vocabSize: number;
  readonly moe: GpuMoeDims | null;
}

/** A step's activations on the device: views of buffers allocated once for the largest step. */
export interface GpuStepViews {
  readonly numTokens: number;
  /** [T, H]: embeddings in, then each block's output not yet added to `residual`. */
  readonly hidden: DeviceTensorArg;
  readonly residual: DeviceTensorArg;
  /** [T, H]: attention's output, then the feed-forward's (normalized) input. */
  readonly ffnIn: DeviceTensorArg;
  /** [T, (Hq + 2·Hk)·D]: the merged projection's output, and its q, k, v column blocks as strided views. */
  readonly qkv: DeviceTensorArg;
  readonly q: DeviceTensorArg;
  readonly k: DeviceTensorArg;
  readonly v: DeviceTensorArg;
  /** [T, Hq, D] view of q for attention. */
  readonly qHeads: DeviceTensorArg;
  readonly attnOutHeads: DeviceTensorArg;
  /** [T, Hq·D] */
  readonly attnOut: DeviceTensorArg;
  /** [T, 2I] gate then up; [T, I] the activation (I the widest MLP; gpuMlpViews narrows them). */
  readonly gateUp: DeviceTensorArg;
  readonly act: DeviceTensorArg;
  /** One per sparse layer (empty for dense models). */
  readonly moe: readonly GpuMoeViews[];
  /** logits rows: gathered hidden [R, H] and logits [R, V] f32. */
  readonly gathered: DeviceTensorArg;
  readonly logits: DeviceTensorArg;
}

/** Device activations for steps of up to maxTokens tokens. */
export class GpuStepBuffers {
  private readonly buffers: DeviceTensor[] = [];
  private readonly hidden: DeviceTensor;
  private readonly residual: DeviceTensor;
  private readonly ffnIn: DeviceTensor;
  private readonly qkv: DeviceTensor;
  private readonly attnOut: DeviceTensor;
  private readonly gateUp: DeviceTensor;
  private readonly act: DeviceTensor;
  private readonly routerLogits: DeviceTensor | null = null;
  /** [numLayers, maxTokens, k] i32: sparse layer s routes into rows [0, T) of slot s. */
  private readonly topkIds: DeviceTensor | null = null;
  private readonly topkWeights: DeviceTensor | null = null;
  private readonly gathered: DeviceTensor;
  private readonly logits: DeviceTensor;

  /** maxLogitsRows: rows of logits one lm_head call computes (larger requests go in chunks). */
  constructor(gpu: NativeGpu, readonly dims: GpuStepDims, readonly dtype: HalfDType, readonly maxTokens: number,
    readonly maxLogitsRows: number, device = 0) {
    const { hiddenSize: h, numHeads: hq, numKvHeads: hk, headDim: d, intermediateSize: i, vocabSize: v, moe } = dims;
    const t = maxTokens;
    const alloc = (dt: 'f32' | 'i32' | HalfDType, shape: number[]): DeviceTensor => {
      const x = DeviceTensor.empty(gpu, dt, shape, device);
      this.buffers.push(x);
      return x;
    };
    this.hidden = alloc(dtype, [t, h]);
    this.residual = alloc(dtype, [t, h]);
    this.ffnIn = alloc(dtype, [t, h]);
    this.qkv = alloc(dtype, [t, (hq + 2 * hk) * d]);
    this.attnOut = alloc(dtype, [t, hq * d]);
    this.gateUp = alloc(dtype, [t, 2 * i]);
    this.act = alloc(dtype, [t, i]);
    if (moe) {
      this.routerLogits = alloc('f32', [t, moe.numExperts]);
      this.topkIds = alloc('i32', [moe.numLayers, t, moe.topK]);
      this.topkWeights = alloc('f32', [t, moe.topK]);
    }
    this.gathered = alloc(dtype, [maxLogitsRows, h]);
    this.logits = alloc('f32', [maxLogitsRows, v]);
  }

  views(t: number, logitsRows: number): GpuStepViews {
    const { hiddenSize: h, numHeads: hq, numKvHeads: hk, headDim: d, intermediateSize: i, vocabSize: v } = this.dims;
    const dt = this.dtype;
    const w = (hq + 2 * hk) * d;
    const of = (x: DeviceTensor, shape: number[], more: Partial<DeviceTensorArg> = {}): DeviceTensorArg =>
      ({ data: x.data, dtype: x.dtype, shape, ...more });
    const gateUp = of(this.gateUp, [t, 2 * i]), act = of(this.act, [t, i]);
    return {
      numTokens: t,
      hidden: of(this.hidden, [t, h]),
      residual: of(this.residual, [t, h]),
      ffnIn: of(this.ffnIn, [t, h]),
      qkv: of(this.qkv, [t, w]),
      q: of(this.qkv, [t, hq * d], { strides: [w, 1] }),
      k: of(this.qkv, [t, hk * d], { strides: [w, 1], byteOffset: hq * d * 2 }),
      v: of(this.qkv, [t, hk * d], { strides: [w, 1], byteOffset: (hq + hk) * d * 2 }),
      qHeads: of(this.qkv, [t, hq, d], { strides: [w, d, 1] }),
      attnOutHeads: of(this.attnOut, [t, hq, d]),
      attnOut: of(this.attnOut, [t, hq * d]),
      gateUp,
      act,
      moe: this.moeViews(t, gateUp, act),
      gathered: { data: this.gathered.data, dtype: dt, shape: [logitsRows, h] },
      logits: { data: this.logits.data, dtype: 'f32', shape: [logitsRows, v] },
    };
  }

  /** Each sparse layer's routing of the last `numTokens`-token step: [numLayers][numTokens · k] expert ids. */
  readTopkIds(numTokens: number): Int32Array[] {
    const moe = this.dims.moe;
    if (!moe || !this.topkIds) return [];
    const all = new Int32Array(moe.numLayers * this.maxTokens * moe.topK);
    this.topkIds.data.download(all);
    const slot = this.maxTokens * moe.topK;
    return Array.from({ length: moe.numLayers }, (_, s) => all.slice(s * slot, s * slot + numTokens * moe.topK));
  }

  dispose(): void {
    for (const b of this.buffers.splice(0)) b.dispose();
  }

  private moeViews(t: number, gateUp: DeviceTensorArg, act: DeviceTensorArg): GpuMoeViews[] {
    const moe = this.dims.moe;
    if (!moe || !this.routerLogits || !this.topkIds || !this.topkWeights) return [];
    const { numExperts: e, topK: k, numLayers, sharedIntermediateSize: si } = moe;
    const logits = { data: this.routerLogits.data, dtype: 'f32' as const, shape: [t, e] };
    const topkWeights = { data: this.topkWeights.data, dtype: 'f32' as const, shape: [t, k] };
    const shared = si > 0 ? gpuMlpViews(gateUp, act, t, si) : null;
    return Array.from({ length: numLayers }, (_, s) => ({
      logits, topkWeights, shared,
      topkIds: { data: this.topkIds!.data, dtype: 'i32' as const, shape: [t, k], byteOffset: s * this.maxTokens * k * 4 },
    }));
  }
}
