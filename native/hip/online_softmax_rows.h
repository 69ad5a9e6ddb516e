// Flash attention's online softmax over one wave's 16 query rows on the matrix cores (matrix_core.h), shared by
// the paged prefill kernel and the matrix-core paged decode kernel. Each lane keeps, for the rows its accumulator
// elements fall in (accum_slot), the running max and its own part of the running sum, and O [16 × 16·kDimTiles]
// in accumulators. A tile of scores S [16 × 16] (masked scores -inf) is folded in two steps: rescale(tile_max)
// raises the maxima and scales the sums and O by e^(old − new) (O only when some row of the wave grew: a factor
// of 1 otherwise), then weigh(s) turns the scores into weights e^(s − max) and adds them to the sums; the caller
// then accumulates O += P·V. Scores may come in units of `unit` logits (a positive softmax scale not yet applied:
// the kernel then skips that multiply, and each weight is one fused multiply-add and an exp2); row_max stays in
// those units, natural_max gives it in logits.
#pragma once
#include <cmath>

#include "hip/matrix_core.h"
#include "hip/reduce.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)
template <int kDimTiles>
struct OnlineSoftmaxRows {
  static constexpr int kR = mc::kAccumRows, kE = mc::kAccumElems;
  mc::Accum o[kDimTiles];
  float row_max[kR], row_sum[kR];  // row_sum: this lane's part until sum_rows()
  float unit, log2_unit;             // logits per score unit; log2(e) of them

  __device__ __forceinline__ explicit OnlineSoftmaxRows(float score_unit = 1.0f)
      : unit(score_unit), log2_unit(score_unit * 1.4426950408889634f) {
#pragma unroll
    for (int t = 0; t < kDimTiles; ++t) mc::zero(o[t]);
#pragma unroll
    for (int r = 0; r < kR; ++r) {
      row_max[r] = -INFINITY;
      row_sum[r] = 0.0f;
    }
  }

  // tile_max: this lane's largest new score per row slot (-inf: none). Every lane of the wave calls it.
  __device__ __forceinline__ void rescale(const float (&tile_max)[kR]) {
    float alpha[kR];
    bool grew = false;
#pragma unroll
    for (int r = 0; r < kR; ++r) {
      const float m = fmaxf(row_max[r], group_max<mc::kRowLanes>(tile_max[r]));
      alpha[r] = m == row_max[r] ? 1.0f : fast_exp2((row_max[r] - m) * log2_unit);  // 0 from -inf
      grew |= m != row_max[r];
      row_max[r] = m;
      row_sum[r] *= alpha[r];
    }
    if (wave_any(grew)) {  // rare after the first tiles
#pragma unroll
      for (int t = 0; t < kDimTiles; ++t)
#pragma unroll
        for (int i = 0; i < kE; ++i) o[t].x[i] *= alpha[mc::accum_slot(i)];
    }
  }

  // Scores to weights, in place, added to the row sums (a row still at -inf weighs 0).
  __device__ __forceinline__ void weigh(mc::Accum& s) {
    float shift[kR];
#pragma unroll
    for (int r = 0; r < kR; ++r) shift[r] = -row_max[r] * log2_unit;
#pragma unroll
    for (int i = 0; i < kE; ++i) {
      const float m = row_max[mc::accum_slot(i)];
      const float p = m == -INFINITY ? 0.0f : fast_exp2(fmaf(s.x[i], log2_unit, shift[mc::accum_slot(i)]));
      row_sum[mc::accum_slot(i)] += p;
      s.x[i] = p;
    }
  }

  // The max of row slot r in logits.
  __device__ __forceinline__ float natural_max(int r) const { return row_max[r] * unit; }

  // Each row's whole sum, over the lanes that share the row.
  __device__ __forceinline__ void sum_rows() {
#pragma unroll
    for (int r = 0; r < kR; ++r) row_sum[r] = group_sum<mc::kRowLanes>(row_sum[r]);
  }
};
#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
