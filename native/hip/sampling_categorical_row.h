// An inverse-CDF draw from softmax(row) by the whole block (the CPU kernel's rule, cpu/sampling_categorical.cpp):
// weights exp(x - max) for x >= threshold (0 for the rest, -inf and NaN), and the first index whose cumulative
// weight passes u * Σ weights. If rounding leaves the walk short of the target (u near 1), the last index with
// weight wins. The walk goes tile by tile in index order; only the tile holding the target is scanned.
#pragma once
#include <cstdint>

#include "hip/sampling_block.h"

namespace hipserve::gpu {

constexpr int kCategoricalItems = 4;  // consecutive elements per thread in a tile

struct CategoricalShared {
  float scan[kSamplingThreads];
  float reduce[kMaxWavesPerBlock];
  int found;
};

#if defined(HS_GPU_DEVICE_CODE)

// max: the row's block_row_max. A row without a finite maximum draws among its +inf values, or index 0 when it
// has none (the host samplers reject or return 0 for such a row).
template <typename Value>
__device__ int32_t block_categorical(const Value& value, int n, float max, float threshold, float u,
                                     CategoricalShared& sh) {
  if (max == -INFINITY) return 0;
  const bool inf_max = isinf(max);
  auto weight = [&](float v) -> float {
    if (!(v >= threshold)) return 0.0f;
    return inf_max ? (v == max ? 1.0f : 0.0f) : expf(v - max);
  };
  float part = 0.0f, last = -1.0f;
  for_each_row_value(value, n, [&](float v, int i) {
    const float w = weight(v);
    part += w;
    if (w > 0.0f) last = static_cast<float>(i);
  });
  const double target = static_cast<double>(u) * block_sum(part, sh.reduce);
  const int last_index = static_cast<int>(block_max(last, sh.reduce));
  constexpr int kTile = kSamplingThreads * kCategoricalItems;
  double running = 0.0;
  if (threadIdx.x == 0) sh.found = INT32_MAX;
  for (int base = 0; base < n; base += kTile) {
    const int first = base + threadIdx.x * kCategoricalItems;
    float w[kCategoricalItems], mine = 0.0f;
#pragma unroll
    for (int j = 0; j < kCategoricalItems; ++j) {
      w[j] = first + j < n ? weight(value(first + j)) : 0.0f;
      mine += w[j];
    }
    const float tile = block_sum(mine, sh.reduce);
    if (running + tile > target) {
      double c = running + (block_inclusive_scan(mine, sh.scan) - mine);
#pragma unroll
      for (int j = 0; j < kCategoricalItems; ++j) {
        if (w[j] <= 0.0f) continue;
        c += w[j];
        if (c > target) {
          atomicMin(&sh.found, first + j);
          break;
        }
      }
      __syncthreads();
      if (sh.found != INT32_MAX) return sh.found;
    }
    running += tile;
  }
  return last_index < 0 ? 0 : last_index;
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
