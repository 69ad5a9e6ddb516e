import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import { requireWeight, weightAsF32 } from '../weight-tensors.js';
import type { MlaDims } from '../attention/mla-dims.js';
import type { DeviceWeights } from './device-weights.js';

/**
 * kv_b_proj [H·(nope + v), L] as the two per-head weights of the absorbed form, each [H, N, K] for gpuMlaHeadGemm:
 *   ukT [H, L, nope] = W_UKᵀ per head:  q_latent = q_nope · W_UK
 *   uv  [H, v, L]    = W_UV per head:   out_h = attention's latent · W_UVᵀ
 */
export interface GpuKvBProj {
  readonly ukT: DeviceTensor;
  readonly uv: DeviceTensor;
}

export function loadGpuKvBProj(weights: DeviceWeights, name: string, dims: MlaDims): GpuKvBProj {
  const { numHeads: h, kvLoraRank: l, qkNopeHeadDim: nope, vHeadDim: v } = dims;
  const w = weightAsF32(requireWeight(weights.source, name, [h * (nope + v), l]));
  const ukT = new Float32Array(h * l * nope);
  const uv = new Float32Array(h * v * l);
  for (let head = 0; head < h; head++) {
    const first = head * (nope + v);
    for (let i = 0; i < nope; i++)
      for (let j = 0; j < l; j++) ukT[(head * l + j) * nope + i] = w[(first + i) * l + j]!;
    uv.set(w.subarray((first + nope) * l, (first + nope + v) * l), head * v * l);
  }
  return { ukT: weights.fromF32(ukT, [h, l, nope]), uv: weights.fromF32(uv, [h, v, l]) };
}
