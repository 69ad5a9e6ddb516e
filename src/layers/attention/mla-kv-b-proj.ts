import type { TensorArg } from '../../../bindings/tensor.js';
import { DTYPE_BYTES } from '../../../bindings/dtype.js';
import type { WeightSource, WeightTensor } from '../../loader/weights.js';
import { matmulWeightArg, requireWeight, weightAsF32 } from '../weight-tensors.js';
import type { MlaDims } from './mla-dims.js';

/**
 * kv_b_proj [H·(nope + v), kv_lora_rank] split per head. Head h's rows are W_UK [nope, kv_lora] then
 * W_UV [v, kv_lora]; as matmul weights (out = x·wᵀ):
 *   uk[h]  = W_UK, a view of the stored rows: k_nope   = c_kv · W_UKᵀ  (expanded prefill)
 *   ukT[h] = W_UKᵀ, a transposed f32 copy:    q_latent = q_nope · W_UK  (absorption)
 *   uv[h]  = W_UV, a view of the stored rows: v = c_kv · W_UVᵀ, or out_h = attention's latent · W_UVᵀ
 */
export interface KvBProjHeads {
  readonly uk: readonly TensorArg[];
  readonly ukT: readonly TensorArg[];
  readonly uv: readonly TensorArg[];
}

export function loadKvBProjHeads(weights: WeightSource, name: string, dims: MlaDims): KvBProjHeads {
  const { numHeads: h, kvLoraRank: l, qkNopeHeadDim: nope, vHeadDim: v } = dims;
  const w = requireWeight(weights, name, [h * (nope + v), l]);
  matmulWeightArg(w);
  const values = weightAsF32(w);
  const uk: TensorArg[] = [];
  const ukT: TensorArg[] = [];
  const uv: TensorArg[] = [];
  for (let head = 0; head < h; head++) {
    const first = head * (nope + v);
    const t = new Float32Array(l * nope);
    for (let i = 0; i < nope; i++) {
      for (let j = 0; j < l; j++) t[j * nope + i] = values[(first + i) * l + j]!;
    }
    uk.push(weightRows(w, first, first + nope));
    ukT.push({ data: t, dtype: 'f32', shape: [l, nope] });
    uv.push(weightRows(w, first + nope, first + nope + v));
  }
  return { uk, ukT, uv };
}

/** Rows [start, end) of a 2-D weight in its stored dtype, without copying. */
export function weightRows(w: WeightTensor, start: number, end: number): TensorArg {
  const cols = w.shape[1]!;
  const bytes = DTYPE_BYTES[w.dtype];
  return { data: w.data.subarray(start * cols * bytes, end * cols * bytes), dtype: w.dtype, shape: [end - start, cols] };
}
