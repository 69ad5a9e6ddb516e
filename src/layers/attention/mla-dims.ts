import { ModelFileError } from '../../errors.js';
import type { ModelConfig } from '../../loader/model-config.js';

/** The shapes of multi-head latent attention (DeepSeek-V2/V3, Kimi-K2), from config.json's MLA fields. */
export interface MlaDims {
  readonly numHeads: number;
  /** null: queries come from q_proj; otherwise through the low-rank q_a_proj → q_a_layernorm → q_b_proj. */
  readonly qLoraRank: number | null;
  readonly kvLoraRank: number;
  readonly qkNopeHeadDim: number;
  readonly qkRopeHeadDim: number;
  readonly vHeadDim: number;
}

/** Width of one query/key head before absorption: its no-RoPE part then its RoPE part. */
export function qkHeadDim(dims: MlaDims): number {
  return dims.qkNopeHeadDim + dims.qkRopeHeadDim;
}

/** Width of one cached token (and of an absorbed query head): k_pe (RoPE dims) then the normalized c_kv. */
export function latentDim(dims: MlaDims): number {
  return dims.qkRopeHeadDim + dims.kvLoraRank;
}

export function mlaDims(config: ModelConfig): MlaDims {
  const field = (key: string, nullable = false): number | null => {
    const v = config.raw[key];
    if (nullable && (v === null || v === undefined)) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      throw new ModelFileError('config.json', key, `expected a positive integer for MLA, found ${JSON.stringify(v)}`);
    }
    return v;
  };
  const dims = {
    numHeads: config.numAttentionHeads,
    qLoraRank: field('q_lora_rank', true),
    kvLoraRank: field('kv_lora_rank')!,
    qkNopeHeadDim: field('qk_nope_head_dim')!,
    qkRopeHeadDim: field('qk_rope_head_dim')!,
    vHeadDim: field('v_head_dim')!,
  };
  if (dims.qkRopeHeadDim % 2 !== 0) {
    throw new ModelFileError('config.json', 'qk_rope_head_dim', `must be even, found ${dims.qkRopeHeadDim}`);
  }
  return dims;
}

function yarnMscale(scale: number, mscale: number): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * qk_head_dim^-0.5, times mscale² under scaled RoPE with mscale_all_dim (yarn's long-context attention
 * temperature, which DeepSeek applies to the softmax rather than to cos/sin).
 */
export function mlaSoftmaxScale(config: ModelConfig, dims: MlaDims): number {
  let scale = qkHeadDim(dims) ** -0.5;
  const { type, factor, mscaleAllDim } = config.rope;
  if (type !== 'default' && mscaleAllDim) {
    const m = yarnMscale(factor, mscaleAllDim);
    scale *= m * m;
  }
  return scale;
}
