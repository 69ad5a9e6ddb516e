// Top-k, top-p and min-p without sorting the vocabulary. Each filter keeps every logit at or above a
// threshold, so a row's result is the one mask `x >= max(t_k, t_p, t_min_p)`:
//   t_k      the k-th largest logit;
//   t_p      the largest logit t such that the logits >= t hold top_p of the probability mass of the
//            logits >= t_k (the descending cumulative sum reaches top_p at t);
//   t_min_p  max + log(min_p), since p / p_max = exp(x - max).
// t_k and t_p come from a radix select over the row (three histogram passes each), whatever k or p.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_isa.h"
#include "hipserve/ops.h"
#include "sampling_checks.h"
#include "sampling_radix_select.h"
#include "softmax_row.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

HS_MULTIVERSION
void mask_below(float* x, int64_t n, float threshold) {
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= threshold ? x[i] : kNegInf;
}

struct Scratch {
  std::vector<uint32_t> keys;
  std::vector<float> weights;
};

void filter_row(float* x, int64_t n, int32_t top_k, float top_p, float min_p, Scratch& s) {
  const bool use_k = top_k > 0 && top_k < n, use_p = top_p < 1.0f, use_min_p = min_p > 0.0f;
  if (!use_k && !use_p && !use_min_p) return;
  const float max = row_max(x, n);
  if (max == kNegInf) return;  // nothing but -inf and NaN: no ranking to apply
  float threshold = kNegInf;
  if (use_k || use_p) {
    s.keys.resize(static_cast<size_t>(n));
    float_keys(x, n, s.keys.data());
    if (use_k) threshold = key_to_float(select_count_from_top(s.keys.data(), n, top_k));
    if (use_p && std::isinf(max)) {
      threshold = max;  // +inf logits hold all the mass
    } else if (use_p) {
      s.weights.resize(static_cast<size_t>(n));
      const double mass = row_exp_store_at_least(x, n, max, threshold, s.weights.data());
      const uint32_t cut = select_mass_from_top(s.keys.data(), s.weights.data(), n, top_p * mass);
      threshold = std::max(threshold, key_to_float(cut));
    }
  }
  if (use_min_p) threshold = std::max(threshold, max + std::log(min_p));
  mask_below(x, n, threshold);
}

struct FilterProblem {
  float* logits;
  int64_t stride, rows, vocab;
  const int32_t* top_k;
  const float* top_p;
  const float* min_p;
};

void top_k_top_p_min_p_launch(const FilterProblem& p) {
  parallel_for(p.rows, row_grain(p.vocab), [&](int64_t b, int64_t e) {
    thread_local Scratch scratch;
    for (int64_t r = b; r < e; ++r)
      filter_row(p.logits + r * p.stride, p.vocab, p.top_k[r], p.top_p[r], p.min_p[r], scratch);
  });
}

}  // namespace
}  // namespace cpu

void top_k_top_p_min_p(const TensorView& logits, const TensorView& top_k, const TensorView& top_p,
                       const TensorView& min_p) {
  cpu::check_logits(logits);
  const int64_t rows = logits.size(0);
  cpu::check_per_row(top_k, "top_k", DType::i32, rows);
  cpu::check_per_row(top_p, "top_p", DType::f32, rows);
  cpu::check_per_row(min_p, "min_p", DType::f32, rows);
  for (int64_t r = 0; r < rows; ++r) {
    HS_CHECK(!std::isnan(top_p.ptr<float>()[r]), invalid_argument, "top_p[" << r << "] is NaN");
    float mp = min_p.ptr<float>()[r];
    HS_CHECK(!std::isnan(mp) && mp <= 1.0f, invalid_argument, "min_p[" << r << "] = " << mp << " is not <= 1");
  }
  cpu::top_k_top_p_min_p_launch({logits.ptr<float>(), logits.stride(0), rows, logits.size(1), top_k.ptr<int32_t>(),
                                 top_p.ptr<float>(), min_p.ptr<float>()});
}

}  // namespace hipserve
