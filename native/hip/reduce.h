// Reductions across a wave and across a block, written for any wave size (HS_WAVE_SIZE).
// block_* need blockDim.x to be a multiple of the wave size and `scratch` to hold kMaxWavesPerBlock floats;
// every thread receives the result, summed in a fixed order (deterministic run to run).
#pragma once
#include "platform/arch.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)

// Over groups of kWidth consecutive lanes (kWidth a power of two dividing the wave).
template <int kWidth = HS_WAVE_SIZE>
__device__ __forceinline__ float group_sum(float v) {
#pragma unroll
  for (int offset = kWidth / 2; offset > 0; offset /= 2) v += shfl_xor(v, offset);
  return v;
}

template <int kWidth = HS_WAVE_SIZE>
__device__ __forceinline__ float group_max(float v) {
#pragma unroll
  for (int offset = kWidth / 2; offset > 0; offset /= 2) v = fmaxf(v, shfl_xor(v, offset));
  return v;
}

template <bool kMax>
__device__ __forceinline__ float block_reduce(float v, float* scratch) {
  v = kMax ? group_max(v) : group_sum(v);
  const int wave = threadIdx.x / HS_WAVE_SIZE, lane = threadIdx.x % HS_WAVE_SIZE;
  const int waves = blockDim.x / HS_WAVE_SIZE;
  if (lane == 0) scratch[wave] = v;
  __syncthreads();
  float total = scratch[0];
  for (int w = 1; w < waves; ++w) total = kMax ? fmaxf(total, scratch[w]) : total + scratch[w];
  __syncthreads();  // scratch may be reused right away
  return total;
}

__device__ __forceinline__ float block_sum(float v, float* scratch) { return block_reduce<false>(v, scratch); }
__device__ __forceinline__ float block_max(float v, float* scratch) { return block_reduce<true>(v, scratch); }

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
