// The activations of the gated MLPs, as device functors shared by every kernel that applies them (the
// act-and-mul kernel, the fused down-projection GEMV), so the fused and unfused paths round identically.
#pragma once
#include "platform/gpu.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)

struct Silu {
  __device__ __forceinline__ float operator()(float a) const { return a / (1.0f + __expf(-a)); }
};

// a/2 * (1 + tanh(√(2/π) (a + 0.044715 a³))), with 1 + tanh(y) = 2 - 2 / (exp(2y) + 1).
struct GeluTanh {
  __device__ __forceinline__ float operator()(float a) const {
    const float y2 = 2.0f * 0.7978845608028654f * (a + 0.044715f * a * a * a);
    return a * (1.0f - 1.0f / (__expf(y2) + 1.0f));
  }
};

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
