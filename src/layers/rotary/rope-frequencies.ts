import { HipserveError } from '../../errors.js';
import type { ModelConfig } from '../../loader/model-config.js';

export type RopeConfig = Pick<ModelConfig, 'headDim' | 'partialRotaryFactor' | 'ropeTheta' | 'rope' | 'maxPositionEmbeddings'>;

export interface RopeFrequencies {
  /** One inverse frequency per rotated pair, rounded to f32 as transformers stores them. */
  readonly invFreq: Float32Array;
  /** Multiplies cos and sin (yarn's attention scaling; 1 otherwise). */
  readonly attentionFactor: number;
  readonly rotaryDim: number;
}

export function rotaryDim(config: RopeConfig): number {
  const dim = Math.floor(config.headDim * config.partialRotaryFactor);
  if (dim < 2 || dim % 2 !== 0 || dim > config.headDim) {
    throw new HipserveError('unsupported',
      `rotary dimension ${dim} (head_dim ${config.headDim} × partial_rotary_factor ${config.partialRotaryFactor}) must be even and in [2, head_dim]`);
  }
  return dim;
}

function defaultInvFreq(base: number, dim: number): Float64Array {
  const out = new Float64Array(dim / 2);
  for (let i = 0; i < out.length; i++) out[i] = 1 / base ** ((2 * i) / dim);
  return out;
}

function llama3(inv: Float64Array, config: RopeConfig): Float64Array {
  const { factor, lowFreqFactor = 1, highFreqFactor = 4 } = config.rope;
  const originalMaxPositionEmbeddings = config.rope.originalMaxPositionEmbeddings ?? config.maxPositionEmbeddings;
  const lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
  const highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f / factor;
    const smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

function yarn(config: RopeConfig, dim: number): { invFreq: Float64Array; attentionFactor: number } {
  const r = config.rope;
  const base = config.ropeTheta;
  const originalMax = r.originalMaxPositionEmbeddings ?? config.maxPositionEmbeddings;
  // Without an explicit factor, the ratio of the extended to the pretrained length is the factor.
  const factor = r.factor > 0 ? r.factor : config.maxPositionEmbeddings / originalMax;
  const attentionFactor = r.attentionFactor ??
    (r.mscale && r.mscaleAllDim ? yarnMscale(factor, r.mscale) / yarnMscale(factor, r.mscaleAllDim) : yarnMscale(factor));
  const betaFast = r.betaFast || 32;
  const betaSlow = r.betaSlow || 1;
  const correctionDim = (rotations: number): number =>
    (dim * Math.log(originalMax / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (r.truncate ?? true) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001;
  const invFreq = defaultInvFreq(base, dim).map((extrapolation, i) => {
    const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
    const extrapolationWeight = 1 - ramp;
    return (extrapolation / factor) * (1 - extrapolationWeight) + extrapolation * extrapolationWeight;
  });
  return { invFreq, attentionFactor };
}

/**
 * RoPE inverse frequencies as transformers' modeling_rope_utils computes them. `seqLen` matters only to dynamic
 * NTK scaling, whose base grows once sequences outgrow max_position_embeddings.
 */
export function ropeFrequencies(config: RopeConfig, seqLen?: number): RopeFrequencies {
  const dim = rotaryDim(config);
  const r = config.rope;
  let inv: Float64Array;
  let attentionFactor = 1;
  switch (r.type) {
    case 'default':
      inv = defaultInvFreq(config.ropeTheta, dim);
      break;
    case 'linear':
      inv = defaultInvFreq(config.ropeTheta, dim).map((f) => f / r.factor);
      break;
    case 'dynamic': {
      const maxPos = config.maxPositionEmbeddings;
      const len = Math.max(seqLen ?? maxPos, maxPos);
      const base = config.ropeTheta * ((r.factor * len) / maxPos - (r.factor - 1)) ** (dim / (dim - 2));
      inv = defaultInvFreq(base, dim);
      break;
    }
    case 'llama3':
      inv = llama3(defaultInvFreq(config.ropeTheta, dim), config);
      break;
    case 'yarn':
      ({ invFreq: inv, attentionFactor } = yarn(config, dim));
      break;
    default:
      throw new HipserveError('unsupported', `rope type ${String((r as { type: unknown }).type)} is not supported`);
  }
  return { invFreq: Float32Array.from(inv), attentionFactor, rotaryDim: dim };
}
