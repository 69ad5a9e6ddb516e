import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, NativeGpu } from '../../../bindings/gpu.js';
import type { HalfDType } from '../../layers/gpu/device-weights.js';

export interface GpuStepDims {
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
}

/** A step's activations on the device: views of buffers allocated once for the largest step. */
export interface GpuStepViews {
  readonly numTokens: number;
  /** [T, H]: embeddings in, then each block's output not yet added to `residual`. */
  readonly hidden: DeviceTensorArg;
  readonly residual: DeviceTensorArg;
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
  /** [T, 2I] gate then up; [T, I] the activation. */
  readonly gateUp: DeviceTensorArg;
  readonly act: DeviceTensorArg;
  /** logits rows: gathered hidden [R, H] and logits [R, V] f32. */
  readonly gathered: DeviceTensorArg;
  readonly logits: DeviceTensorArg;
}

/** Device activations for steps of up to maxTokens tokens. */
export class GpuStepBuffers {
  private readonly buffers: DeviceTensor[] = [];
  private readonly hidden: DeviceTensor;
  private readonly residual: DeviceTensor;
  private readonly qkv: DeviceTensor;
  private readonly attnOut: DeviceTensor;
  private readonly gateUp: DeviceTensor;
  private readonly act: DeviceTensor;
  private readonly gathered: DeviceTensor;
  private readonly logits: DeviceTensor;

  /** maxLogitsRows: rows of logits one lm_head call computes (larger requests go in chunks). */
  constructor(gpu: NativeGpu, readonly dims: GpuStepDims, readonly dtype: HalfDType, readonly maxTokens: number,
    readonly maxLogitsRows: number, device = 0) {
    const { hiddenSize: h, numHeads: hq, numKvHeads: hk, headDim: d, intermediateSize: i, vocabSize: v } = dims;
    const t = maxTokens;
    const alloc = (dt: 'f32' | HalfDType, shape: number[]): DeviceTensor => {
      const x = DeviceTensor.empty(gpu, dt, shape, device);
      this.buffers.push(x);
      return x;
    };
    this.hidden = alloc(dtype, [t, h]);
    this.residual = alloc(dtype, [t, h]);
    this.qkv = alloc(dtype, [t, (hq + 2 * hk) * d]);
    this.attnOut = alloc(dtype, [t, hq * d]);
    this.gateUp = alloc(dtype, [t, 2 * i]);
    this.act = alloc(dtype, [t, i]);
    this.gathered = alloc(dtype, [maxLogitsRows, h]);
    this.logits = alloc('f32', [maxLogitsRows, v]);
  }

  views(t: number, logitsRows: number): GpuStepViews {
    const { hiddenSize: h, numHeads: hq, numKvHeads: hk, headDim: d, intermediateSize: i, vocabSize: v } = this.dims;
    const dt = this.dtype;
    const w = (hq + 2 * hk) * d;
    const of = (x: DeviceTensor, shape: number[], more: Partial<DeviceTensorArg> = {}): DeviceTensorArg =>
      ({ data: x.data, dtype: x.dtype, shape, ...more });
    return {
      numTokens: t,
      hidden: of(this.hidden, [t, h]),
      residual: of(this.residual, [t, h]),
      qkv: of(this.qkv, [t, w]),
      q: of(this.qkv, [t, hq * d], { strides: [w, 1] }),
      k: of(this.qkv, [t, hk * d], { strides: [w, 1], byteOffset: hq * d * 2 }),
      v: of(this.qkv, [t, hk * d], { strides: [w, 1], byteOffset: (hq + hk) * d * 2 }),
      qHeads: of(this.qkv, [t, hq, d], { strides: [w, d, 1] }),
      attnOutHeads: of(this.attnOut, [t, hq, d]),
      attnOut: of(this.attnOut, [t, hq * d]),
      gateUp: of(this.gateUp, [t, 2 * i]),
      act: of(this.act, [t, i]),
      gathered: { data: this.gathered.data, dtype: dt, shape: [logitsRows, h] },
      logits: { data: this.logits.data, dtype: 'f32', shape: [logitsRows, v] },
    };
  }

  dispose(): void {
    for (const b of this.buffers.splice(0)) b.dispose();
  }
}
