// Top-k, top-p and min-p of one row as one threshold, found by the whole block (the CPU kernel's rule,
// cpu/sampling_top_k_top_p.cpp): every filter keeps the values at or above its own threshold, so the row keeps
// x >= max(t_k, t_p, t_min_p) with
//   t_k      the k-th largest value;
//   t_p      the largest t such that the values >= t hold top_p of the probability mass of the values >= t_k;
//   t_min_p  max + log(min_p).
#pragma once
#include <cstdint>

#include "hip/sampling_radix_select_row.h"

namespace hipserve::gpu {

struct FilterParams {
  int32_t top_k;  // <= 0 or >= n: off
  float top_p;    // >= 1: off
  float min_p;    // <= 0: off
};

#if defined(HS_GPU_DEVICE_CODE)

__device__ __forceinline__ bool filter_is_on(FilterParams f, int n) {
  return (f.top_k > 0 && f.top_k < n) || f.top_p < 1.0f || f.min_p > 0.0f;
}

// The row keeps value(i) >= the returned threshold (-inf: everything). `max` is the row's block_row_max.
template <typename Value>
__device__ float block_filter_threshold(const Value& value, int n, float max, FilterParams f, RadixSelectShared& sh,
                                        float* scratch) {
  const bool use_k = f.top_k > 0 && f.top_k < n, use_p = f.top_p < 1.0f, use_min_p = f.min_p > 0.0f;
  float threshold = -INFINITY;
  if (max == -INFINITY) return threshold;  // nothing but -inf and NaN: no ranking to apply
  if (use_k) threshold = key_to_float(block_select_from_top<true>(value, n, f.top_k, 0.0f, 0.0f, sh));
  if (use_p && isinf(max)) {
    threshold = max;  // +inf values hold all the mass
  } else if (use_p) {
    float part = 0.0f;
    for_each_row_value(value, n, [&](float v, int) { part += v >= threshold ? expf(v - max) : 0.0f; });
    const double mass = block_sum(part, scratch);
    const uint32_t cut =
        block_select_from_top<false>(value, n, static_cast<double>(f.top_p) * mass, max, threshold, sh);
    threshold = fmaxf(threshold, key_to_float(cut));
  }
  if (use_min_p) threshold = fmaxf(threshold, max + logf(f.min_p));
  return threshold;
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
