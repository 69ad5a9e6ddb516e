// The end of an attention softmax with an optional sink (gpt-oss: one extra logit per head in the denominator),
// shared by the paged decode reducer and the prefill kernel.
#pragma once
#include <cmath>

#include "platform/gpu.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)
// value / (sum + e^sink) with both brought to a common max: the head's output from its unnormalised sums (sum and
// value relative to head_max; sink -inf for none).
__device__ __forceinline__ float normalized(float value, float sum, float head_max, float sink) {
  const float top = fmaxf(head_max, sink);
  const float keep = top == -INFINITY ? 0.0f : __expf(head_max - top);
  const float den = sum * keep + (sink == -INFINITY ? 0.0f : __expf(sink - top));
  return den > 0.0f ? value * keep / den : 0.0f;
}
#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
