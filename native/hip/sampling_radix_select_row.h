// Threshold search from the top of one logits row by the whole block, without sorting: radix select over the
// order-preserving keys of sampling_block.h in three passes of 11/11/10 bits (the passes of the CPU kernel,
// cpu/sampling_radix_select.cpp). Each pass histograms (count and weight per bin, in shared memory) the
// elements whose key starts with the digits chosen so far, then a scan across the block finds the first bin
// from the top whose cumulative weight reaches the target. Serves top-k (weight 1 each) and top-p (weight =
// exp(x - shift) for x >= floor, 0 below) alike.
#pragma once
#include <cstdint>

#include "hip/sampling_block.h"

namespace hipserve::gpu {

constexpr int kRadixMaxBins = 1 << 11;

struct RadixSelectShared {
  int count[kRadixMaxBins];
  float weight[kRadixMaxBins];
  double scan[kSamplingThreads];
  double above;  // weight of the elements above the current prefix
  int found;     // the highest bin reaching the target, -1 if none
  int lowest;    // the lowest non-empty bin
};

#if defined(HS_GPU_DEVICE_CODE)

// value(i) gives element i of the row (n elements). kUnit: every element weighs 1. Otherwise an element weighs
// exp(value - shift) when value >= floor and 0 below (it still counts as present, as on the CPU).
// Returns the largest key t such that the elements with key >= t weigh at least `target`; if rounding leaves
// every element short of it, the smallest key. Needs blockDim.x == kSamplingThreads.
template <bool kUnit, typename Value>
__device__ uint32_t block_select_from_top(const Value& value, int n, double target, float shift, float floor,
                                          RadixSelectShared& sh) {
  constexpr int kDigitBits[3] = {11, 11, 10};
  const int t = threadIdx.x;
  uint32_t prefix = 0;
  int shift_bits = 32;
  if (t == 0) sh.above = 0.0;
  for (int pass = 0; pass < 3; ++pass) {
    const int bits = kDigitBits[pass], bins = 1 << bits, next_shift = shift_bits - bits;
    const uint32_t mask = static_cast<uint32_t>(bins - 1);
    for (int d = t; d < bins; d += blockDim.x) {
      sh.count[d] = 0;
      sh.weight[d] = 0.0f;
    }
    if (t == 0) {
      sh.found = -1;
      sh.lowest = bins;
    }
    __syncthreads();
    for_each_row_value(value, n, [&](float v, int) {
      const uint32_t k = float_key(v);
      if (shift_bits < 32 && (k >> shift_bits) != prefix) return;
      const int d = static_cast<int>((k >> next_shift) & mask);
      atomicAdd(&sh.count[d], 1);
      const float w = kUnit ? 1.0f : (v >= floor ? expf(v - shift) : 0.0f);
      if (w != 0.0f) atomicAdd(&sh.weight[d], w);
    });
    __syncthreads();
    // Thread t owns `per` consecutive bins counted from the top: hi = bins - 1 - t * per down to hi - per + 1.
    const int per = bins / static_cast<int>(blockDim.x), hi = bins - 1 - t * per;
    double mine = 0.0;
    for (int j = 0; j < per; ++j) mine += sh.weight[hi - j];
    const double start = sh.above + block_inclusive_scan(mine, sh.scan) - mine;
    double running = start;
    for (int j = 0; j < per; ++j) {
      const int d = hi - j;
      if (sh.count[d] == 0) continue;
      atomicMin(&sh.lowest, d);
      if (running + sh.weight[d] >= target) {
        atomicMax(&sh.found, d);
        break;
      }
      running += sh.weight[d];
    }
    __syncthreads();
    const int digit = sh.found >= 0 ? sh.found : sh.lowest;
    if (digit <= hi && digit > hi - per) {  // the owner of the chosen bin knows the weight above it
      double a = start;
      for (int d = hi; d > digit; --d) a += sh.weight[d];
      sh.above = a;
    }
    __syncthreads();
    prefix = (prefix << bits) | static_cast<uint32_t>(digit);
    shift_bits = next_shift;
  }
  return prefix;
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
