import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, NativeGpu } from '../../../bindings/gpu.js';
import { latentDim, type MlaDims, qkHeadDim } from '../attention/mla-dims.js';
import type { HalfDType } from './device-weights.js';

/**
 * MLA's device activations for a step of T tokens (R = rope, L = kv_lora_rank, Lat = R + L):
 *
 *   qA       [T, q_lora_rank]      q_a_proj out, normalized in place (q LoRA only)
 *   q        [T, H, nope + R]      q_b_proj (or q_proj) out
 *   kv       [T, L + R]            kv_a_proj_with_mqa out: c_kv then k_pe (cached normalized and roped)
 *   qAbs     [T, H, R | L]         roped q_pe | q_nope·W_UK: the absorbed query, laid out like the latent
 *   attnLat  [T, H, L]             attention over the latents
 *   attnOut  [T, H·v]              attnLat · W_UV per head: o_proj's input
 */
export interface GpuMlaViews {
  readonly numTokens: number;
  readonly qA: DeviceTensorArg | null;
  readonly q: DeviceTensorArg;
  readonly qHeads: DeviceTensorArg;
  readonly qNope: DeviceTensorArg;
  readonly kv: DeviceTensorArg;
  readonly qAbs: DeviceTensorArg;
  readonly qAbsLatent: DeviceTensorArg;
  readonly attnLat: DeviceTensorArg;
  readonly attnOutHeads: DeviceTensorArg;
  readonly attnOut: DeviceTensorArg;
}

/** Buffers for steps of up to maxTokens tokens, allocated once and shared by every MLA layer of a model. */
export class GpuMlaScratch {
  private readonly buffers: DeviceTensor[] = [];
  private readonly qA: DeviceTensor | null;
  private readonly q: DeviceTensor;
  private readonly kv: DeviceTensor;
  private readonly qAbs: DeviceTensor;
  private readonly attnLat: DeviceTensor;
  private readonly attnOut: DeviceTensor;

  constructor(gpu: NativeGpu, readonly dims: MlaDims, readonly dtype: HalfDType, readonly maxTokens: number,
    device = 0) {
    const { numHeads: h, kvLoraRank: l, qkRopeHeadDim: r, vHeadDim: v, qLoraRank } = dims;
    const alloc = (shape: number[]): DeviceTensor => {
      const x = DeviceTensor.empty(gpu, dtype, shape, device);
      this.buffers.push(x);
      return x;
    };
    const t = maxTokens;
    this.qA = qLoraRank === null ? null : alloc([t, qLoraRank]);
    this.q = alloc([t, h * qkHeadDim(dims)]);
    this.kv = alloc([t, l + r]);
    this.qAbs = alloc([t, h * latentDim(dims)]);
    this.attnLat = alloc([t, h * l]);
    this.attnOut = alloc([t, h * v]);
  }

  views(t: number): GpuMlaViews {
    if (t < 1 || t > this.maxTokens) throw new RangeError(`a step of ${t} tokens; the MLA scratch holds 1 to ${this.maxTokens}`);
    const d = this.dims;
    const { numHeads: h, kvLoraRank: l, qkRopeHeadDim: r, qkNopeHeadDim: nope, vHeadDim: v, qLoraRank } = d;
    const qk = qkHeadDim(d), lat = latentDim(d);
    const of = (x: DeviceTensor, shape: number[], more: Partial<DeviceTensorArg> = {}): DeviceTensorArg =>
      ({ data: x.data, dtype: x.dtype, shape, ...more });
    return {
      numTokens: t,
      qA: this.qA && qLoraRank !== null ? of(this.qA, [t, qLoraRank]) : null,
      q: of(this.q, [t, h * qk]),
      qHeads: of(this.q, [t, h, qk]),
      qNope: of(this.q, [t, h, nope], { strides: [h * qk, qk, 1] }),
      kv: of(this.kv, [t, l + r]),
      qAbs: of(this.qAbs, [t, h, lat]),
      qAbsLatent: of(this.qAbs, [t, h, l], { strides: [h * lat, lat, 1], byteOffset: r * 2 }),
      attnLat: of(this.attnLat, [t, h, l]),
      attnOutHeads: of(this.attnOut, [t, h, v]),
      attnOut: of(this.attnOut, [t, h * v]),
    };
  }

  dispose(): void {
    for (const b of this.buffers.splice(0)) b.dispose();
  }
}
