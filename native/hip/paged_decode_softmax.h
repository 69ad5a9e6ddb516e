// One step of a decode wave's online softmax (see paged_decode_kernel.h): on entry s[u][g] holds this lane's
// partial dot product of query head g with key row u (its chunk of the row); on exit, the row's weight
// p = exp(score - running_max[g]), with running_max, local_sum and acc rescaled first where a head's max grew.
// Rows whose bit in `ok` is clear score -inf. running_max is wave-uniform.
//
// The row's lanes sum the kN = kU × kG dots as a reduce-scatter (about kN shuffles instead of kN × log2(kLanes)
// for every lane to hold every sum), so each lane scores max(1, kN / kLanes) (row, head) pairs and takes that many
// exponentials; one vote checks the max, which is raised only when a score passes it by kDecodeMaxSlack (weights stay
// below e^kDecodeMaxSlack); the weights go back to the row's lanes by shuffles. Against every lane summing and
// exponentiating everything itself, this took 30-40% off the kernel's time (PERF.md, v3).
#pragma once
#include <cstdint>

#include "hip/reduce.h"
#include "hip/soft_cap.h"
#include "platform/arch.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)

constexpr float kDecodeMaxSlack = 8.0f;

__host__ __device__ constexpr int decode_log2(int n) { return n <= 1 ? 0 : 1 + decode_log2(n / 2); }

// Rescales head g's sums to a new max m (> running_max[g]).
template <int kG, int kVec>
__device__ __forceinline__ void raise_max(int g, float m, float (&running_max)[kG], float (&local_sum)[kG],
                                          float (&acc)[kG][kVec]) {
  const float alpha = running_max[g] == -INFINITY ? 0.0f : __expf(running_max[g] - m);
  local_sum[g] *= alpha;
#pragma unroll
  for (int i = 0; i < kVec; ++i) acc[g][i] *= alpha;
  running_max[g] = m;
}

// Reduce-scatter of v over the lanes of a row: at offset kOffset, lanes with that bit set keep the upper half of
// their kLive live values, the others the lower half, each adding the half its partner sent; once one value is
// live, plain butterflies.
template <int kN, int kOffset, int kLive>
__device__ __forceinline__ void scatter_row_sums(float (&v)[kN], int chunk) {
  if constexpr (kOffset > 0) {
    if constexpr (kLive > 1) {
      const bool upper = chunk & kOffset;
#pragma unroll
      for (int i = 0; i < kLive / 2; ++i) {
        const float send = upper ? v[i] : v[i + kLive / 2];
        const float keep = upper ? v[i + kLive / 2] : v[i];
        v[i] = keep + shfl_xor(send, kOffset);
      }
      scatter_row_sums<kN, kOffset / 2, kLive / 2>(v, chunk);
    } else {
      v[0] += shfl_xor(v[0], kOffset);
      scatter_row_sums<kN, kOffset / 2, 1>(v, chunk);
    }
  }
}

template <int kLanes, int kU, int kG, int kVec>
__device__ __forceinline__ void weigh_step(float (&s)[kU][kG], float (&running_max)[kG],
                                                     float (&local_sum)[kG], float (&acc)[kG][kVec], uint32_t ok,
                                                     float softcap, int chunk, int sub) {
  constexpr int kN = kU * kG, kRowBits = decode_log2(kLanes);
  constexpr int kSplitBits = decode_log2(kN) < kRowBits ? decode_log2(kN) : kRowBits;
  constexpr int kHeld = kN >> kSplitBits;  // values per lane after the scatter
  static_assert((1 << decode_log2(kN)) == kN && (1 << kRowBits) == kLanes, "powers of two");
  float v[kN];
#pragma unroll
  for (int u = 0; u < kU; ++u)
#pragma unroll
    for (int g = 0; g < kG; ++g) v[u * kG + g] = s[u][g];
  scatter_row_sums<kN, kLanes / 2, kN>(v, chunk);
  // This lane now holds values first .. first + kHeld - 1 (value u * kG + g), each the full row sum.
  const int first = (chunk >> (kRowBits - kSplitBits)) * kHeld;
  float base[kHeld];
  bool over = false;
#pragma unroll
  for (int h = 0; h < kHeld; ++h) {
    const int value = first + h, u = value / kG, g = value % kG;
    v[h] = ((ok >> u) & 1u) ? soft_cap(v[h], softcap) : -INFINITY;
    float m = running_max[0];
#pragma unroll
    for (int gg = 1; gg < kG; ++gg)
      if (gg == g) m = running_max[gg];  // constant indices keep running_max in registers
    over |= v[h] > m + kDecodeMaxSlack;
    base[h] = m;
  }
  if (wave_any(over)) {  // rare after the first steps: raise the max of every head whose step max passed it
#pragma unroll
    for (int g = 0; g < kG; ++g) {
      float step_max = -INFINITY;
#pragma unroll
      for (int h = 0; h < kHeld; ++h)
        if ((first + h) % kG == g) step_max = fmaxf(step_max, v[h]);
      step_max = group_max(step_max);
      if (step_max > running_max[g]) raise_max(g, step_max, running_max, local_sum, acc);
    }
#pragma unroll
    for (int h = 0; h < kHeld; ++h) {
      const int g = (first + h) % kG;
#pragma unroll
      for (int gg = 0; gg < kG; ++gg)
        if (gg == g) base[h] = running_max[gg];
    }
  }
#pragma unroll
  for (int h = 0; h < kHeld; ++h) v[h] = __expf(v[h] - (base[h] == -INFINITY ? 0.0f : base[h]));
  // Back to every lane of the row: value w sits in the lanes whose chunk >> (kRowBits - kSplitBits) is w / kHeld.
  const int row_lane0 = sub * kLanes;
#pragma unroll
  for (int u = 0; u < kU; ++u)
#pragma unroll
    for (int g = 0; g < kG; ++g) {
      constexpr int kStride = 1 << (kRowBits - kSplitBits);
      const int w = u * kG + g;
      s[u][g] = shfl(v[w % kHeld], row_lane0 + (w / kHeld) * kStride);
      local_sum[g] += s[u][g];
    }
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
