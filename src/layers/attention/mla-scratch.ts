import type { TensorArg } from '../../../bindings/tensor.js';
import { latentDim, type MlaDims, qkHeadDim } from './mla-dims.js';
import { StepScratch } from '../step-scratch.js';
import { MlaPrefillBuffers } from './mla-prefill-buffers.js';

/**
 * MLA's activations for a step of numTokens tokens (T). Per token, with Lat = rope + kv_lora_rank:
 *
 *   q        [H, nope + rope]       q_b_proj (or q_proj) out
 *   latent   [rope | kv_lora_rank]  k_pe | c_kv: kv_a_proj_with_mqa out, normalized and roped, then cached
 *   qAbs     [H, rope | kv_lora]    q_pe | q_nope·W_UK: the absorbed query, laid out like the latent
 *   attnLat  [H, rope | kv_lora]    attention over the latents (its rope part is unused)
 *   attnOut  [H, v_head_dim]        attnLat's kv_lora part · W_UV: o_proj's input
 */
export interface MlaStepViews {
  readonly numTokens: number;
  /** [T, q_lora_rank], or null without q LoRA. */
  readonly qA: TensorArg | null;
  readonly q: TensorArg;
  readonly qData: Float32Array;
  readonly latent: TensorArg;
  /** [T, 1, Lat]: the latent as the cache write takes it. */
  readonly latentTokens: TensorArg;
  /** [T, rope] and [T, kv_lora_rank] strided views of the latent. */
  readonly kPe: TensorArg;
  readonly cKv: TensorArg;
  /** [T, H·Lat] for RoPE and [T, H, Lat] for attention. */
  readonly qAbs: TensorArg;
  readonly qAbsHeads: TensorArg;
  readonly qAbsData: Float32Array;
  readonly attnLatHeads: TensorArg;
  readonly attnOut: TensorArg;
  readonly attnOutData: Float32Array;
  /** Per head h: [T, nope] of q, [T, kv_lora] of qAbs and attnLat, [T, v] of attnOut. */
  readonly qNopeOf: readonly TensorArg[];
  readonly qLatentOf: readonly TensorArg[];
  readonly attnLatentOf: readonly TensorArg[];
  readonly attnOutOf: readonly TensorArg[];
  /** The expanded prefill's work space, sized by context rather than by step tokens. */
  readonly prefill: MlaPrefillBuffers;
}

/** MLA activations sized for the largest step seen, shared by every layer; grows like every StepScratch. */
export class MlaScratch extends StepScratch<MlaStepViews> {
  private qA = new Float32Array(0);
  private q = new Float32Array(0);
  private latent = new Float32Array(0);
  private qAbs = new Float32Array(0);
  private attnLat = new Float32Array(0);
  private attnOut = new Float32Array(0);
  private readonly prefill: MlaPrefillBuffers;

  constructor(
    readonly dims: MlaDims,
    initialTokens: number,
  ) {
    super();
    this.prefill = new MlaPrefillBuffers(dims);
    this.reserve(initialTokens);
  }

  protected allocate(n: number): void {
    const d = this.dims;
    const h = d.numHeads, lat = latentDim(d);
    this.qA = new Float32Array(n * (d.qLoraRank ?? 0));
    this.q = new Float32Array(n * h * qkHeadDim(d));
    this.latent = new Float32Array(n * lat);
    this.qAbs = new Float32Array(n * h * lat);
    this.attnLat = new Float32Array(n * h * lat);
    this.attnOut = new Float32Array(n * h * d.vHeadDim);
  }

  protected makeViews(t: number): MlaStepViews {
    const d = this.dims;
    const { numHeads: h, kvLoraRank: l, qkRopeHeadDim: r, qkNopeHeadDim: nope, vHeadDim: v } = d;
    const lat = latentDim(d), qk = qkHeadDim(d);
    const f32 = (data: Float32Array, shape: number[], strides?: number[]): TensorArg =>
      (strides ? { data, dtype: 'f32', shape, strides } : { data, dtype: 'f32', shape });
    const perHead = (data: Float32Array, headStride: number, offset: number, width: number): TensorArg[] =>
      Array.from({ length: h }, (_, i) => f32(data.subarray(i * headStride + offset), [t, width], [h * headStride, 1]));
    return {
      numTokens: t,
      qA: d.qLoraRank === null ? null : f32(this.qA, [t, d.qLoraRank]),
      q: f32(this.q, [t, h * qk]),
      qData: this.q,
      latent: f32(this.latent, [t, lat]),
      latentTokens: f32(this.latent, [t, 1, lat]),
      kPe: f32(this.latent, [t, r], [lat, 1]),
      cKv: f32(this.latent.subarray(r), [t, l], [lat, 1]),
      qAbs: f32(this.qAbs, [t, h * lat]),
      qAbsHeads: f32(this.qAbs, [t, h, lat]),
      qAbsData: this.qAbs,
      attnLatHeads: f32(this.attnLat, [t, h, lat]),
      attnOut: f32(this.attnOut, [t, h * v]),
      attnOutData: this.attnOut,
      qNopeOf: perHead(this.q, qk, 0, nope),
      qLatentOf: perHead(this.qAbs, lat, r, l),
      attnLatentOf: perHead(this.attnLat, lat, r, l),
      attnOutOf: perHead(this.attnOut, v, 0, v),
      prefill: this.prefill,
    };
  }
}
