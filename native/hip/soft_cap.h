// Soft-capping of attention logits (Gemma 2, Grok): softcap · tanh(x / softcap) where softcap > 0, else x.
#pragma once
#include <cmath>

#include "platform/gpu.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)
__device__ __forceinline__ float soft_cap(float x, float softcap) {
  return softcap > 0.0f ? softcap * tanhf(x / softcap) : x;
}
#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
