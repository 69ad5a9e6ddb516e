#include <cmath>
#include <limits>
#include <vector>

#include "hipserve/ops.h"
#include "sampling_checks.h"
#include "softmax_row.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

// Inverse CDF: the first index whose cumulative weight passes u * Σ weights. Weights are exp(x - max),
// 0 for -inf and NaN, so those are never chosen; if rounding leaves the walk short of the target (u near
// 1), the last index with weight wins.
int32_t sample_row(const float* x, int64_t n, float u, int64_t row, std::vector<float>& weights) {
  const float max = row_max(x, n);
  HS_CHECK(std::isfinite(max), invalid_argument, "logits[" << row << "]: no finite maximum (" << max << ")");
  weights.resize(static_cast<size_t>(n));
  float* w = weights.data();
  const double target =
      static_cast<double>(u) * row_exp_store_at_least(x, n, max, -std::numeric_limits<float>::infinity(), w);
  double cum = 0;
  int64_t last = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (w[i] > 0.0f) {
      cum += w[i];
      last = i;
      if (cum > target) break;
    }
  }
  return static_cast<int32_t>(last);
}

void sample_categorical_launch(const float* logits, int64_t stride, int64_t rows, int64_t vocab,
                               const float* uniform, int32_t* out) {
  parallel_for(rows, row_grain(vocab), [&](int64_t b, int64_t e) {
    thread_local std::vector<float> weights;
    for (int64_t r = b; r < e; ++r) out[r] = sample_row(logits + r * stride, vocab, uniform[r], r, weights);
  });
}

}  // namespace
}  // namespace cpu

void sample_categorical(const TensorView& logits, const TensorView& uniform, const TensorView& out) {
  cpu::check_logits(logits);
  const int64_t rows = logits.size(0);
  cpu::check_per_row(uniform, "uniform", DType::f32, rows);
  cpu::check_per_row(out, "out", DType::i32, rows);
  const float* u = uniform.ptr<float>();
  for (int64_t r = 0; r < rows; ++r)
    HS_CHECK(u[r] >= 0.0f && u[r] < 1.0f, invalid_argument, "uniform[" << r << "] = " << u[r] << " is not in [0, 1)");
  cpu::sample_categorical_launch(logits.ptr<float>(), logits.stride(0), rows, logits.size(1), u,
                                 out.ptr<int32_t>());
}

}  // namespace hipserve
