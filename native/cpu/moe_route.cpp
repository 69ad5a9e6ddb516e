// moe_route: the three routers of the MoE families, one token (row of logits) at a time.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "checks.h"
#include "hipserve/ops.h"
#include "moe_params_check.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

// Indices of the k largest of score[0, n) that pass `eligible`, largest first, lowest index on ties.
template <typename Eligible>
void top_k_indices(const float* score, int64_t n, int64_t k, Eligible eligible, int32_t* idx) {
  for (int64_t j = 0; j < k; ++j) {
    int64_t best = -1;
    for (int64_t e = 0; e < n; ++e) {
      if (!eligible(e)) continue;
      bool taken = false;
      for (int64_t i = 0; i < j && !taken; ++i) taken = idx[i] == e;
      if (!taken && (best < 0 || score[e] > score[best])) best = e;
    }
    idx[j] = static_cast<int32_t>(best);
  }
}

constexpr auto kAll = [](int64_t) { return true; };

void softmax_topk_row(const float* logits, int64_t e_count, const MoeRouteParams& p, float* probs, int32_t* ids,
                      float* weights) {
  const float mx = *std::max_element(logits, logits + e_count);
  double sum = 0;
  for (int64_t e = 0; e < e_count; ++e) sum += probs[e] = std::exp(logits[e] - mx);
  for (int64_t e = 0; e < e_count; ++e) probs[e] = static_cast<float>(probs[e] / sum);
  top_k_indices(probs, e_count, p.top_k, kAll, ids);
  double chosen = 0;
  for (int32_t j = 0; j < p.top_k; ++j) chosen += weights[j] = probs[ids[j]];
  if (p.renormalize)
    for (int32_t j = 0; j < p.top_k; ++j) weights[j] = static_cast<float>(weights[j] / chosen);
}

void topk_softmax_row(const float* logits, int64_t e_count, const MoeRouteParams& p, int32_t* ids, float* weights) {
  top_k_indices(logits, e_count, p.top_k, kAll, ids);
  const float mx = logits[ids[0]];
  double sum = 0;
  for (int32_t j = 0; j < p.top_k; ++j) sum += weights[j] = std::exp(logits[ids[j]] - mx);
  for (int32_t j = 0; j < p.top_k; ++j) weights[j] = static_cast<float>(weights[j] / sum);
}

// scratch: 2E (scores, choice) + num_groups floats; kept: topk_groups.
void sigmoid_grouped_row(const float* logits, const float* bias, int64_t e_count, const MoeRouteParams& p,
                         float* scratch, int32_t* kept, int32_t* ids, float* weights) {
  float* score = scratch;
  float* choice = scratch + e_count;
  float* group_score = scratch + 2 * e_count;
  for (int64_t e = 0; e < e_count; ++e) {
    score[e] = 1.0f / (1.0f + std::exp(-logits[e]));
    choice[e] = score[e] + (bias ? bias[e] : 0.0f);
  }
  const int64_t group_size = e_count / p.num_groups;
  for (int64_t g = 0; g < p.num_groups; ++g) {
    int32_t best[2];
    const int64_t n = std::min<int64_t>(2, group_size);
    top_k_indices(choice + g * group_size, group_size, n, kAll, best);
    group_score[g] = 0;
    for (int64_t i = 0; i < n; ++i) group_score[g] += choice[g * group_size + best[i]];
  }
  top_k_indices(group_score, p.num_groups, p.topk_groups, kAll, kept);
  // As transformers does, experts of dropped groups compete with a choice score of 0.
  for (int64_t e = 0; e < e_count; ++e) {
    const int32_t g = static_cast<int32_t>(e / group_size);
    if (std::find(kept, kept + p.topk_groups, g) == kept + p.topk_groups) choice[e] = 0.0f;
  }
  top_k_indices(choice, e_count, p.top_k, kAll, ids);
  double chosen = 0;
  for (int32_t j = 0; j < p.top_k; ++j) chosen += weights[j] = score[ids[j]];
  for (int32_t j = 0; j < p.top_k; ++j) {
    const double w = p.renormalize ? weights[j] / (chosen + 1e-20) : weights[j];
    weights[j] = static_cast<float>(w * p.routed_scaling_factor);
  }
}

}  // namespace
}  // namespace cpu

void moe_route(const TensorView& logits, const TensorView* correction_bias, const MoeRouteParams& params,
               const TensorView& topk_ids, const TensorView& topk_weights) {
  using namespace cpu;
  check_host_rows(logits, "logits", 2, {DType::f32});
  check_host_rows(topk_ids, "topk_ids", 2, {DType::i32});
  check_host_rows(topk_weights, "topk_weights", 2, {DType::f32});
  check_nonempty(logits, "logits");
  const int64_t t_count = logits.size(0), e_count = logits.size(1);
  check_moe_route_params(params, e_count);
  for (const TensorView* v : {&topk_ids, &topk_weights}) {
    const char* name = v == &topk_ids ? "topk_ids" : "topk_weights";
    check_dim(*v, name, 0, t_count);
    check_dim(*v, name, 1, params.top_k);
  }
  const float* bias = nullptr;
  if (correction_bias != nullptr) {
    HS_CHECK(params.router == MoeRouter::sigmoid_grouped, invalid_argument,
             "correction_bias: only the sigmoid_grouped router takes one");
    check_host_rows(*correction_bias, "correction_bias", 1, {DType::f32});
    check_dim(*correction_bias, "correction_bias", 0, e_count);
    bias = correction_bias->ptr<float>();
  }
  const float* lg = logits.ptr<float>();
  int32_t* ids = topk_ids.ptr<int32_t>();
  float* weights = topk_weights.ptr<float>();
  const int64_t ls = logits.stride(0), is = topk_ids.stride(0), ws = topk_weights.stride(0);
  parallel_for(t_count, std::max<int64_t>(1, 4096 / e_count), [&](int64_t b, int64_t e) {
    const bool grouped = params.router == MoeRouter::sigmoid_grouped;
    thread_local std::vector<float> scratch;  // reused by later calls on this thread
    thread_local std::vector<int32_t> kept;
    scratch.resize(static_cast<size_t>(2 * e_count + (grouped ? params.num_groups : 0)));
    kept.resize(static_cast<size_t>(grouped ? params.topk_groups : 0));
    for (int64_t t = b; t < e; ++t) {
      const float* row = lg + t * ls;
      switch (params.router) {
        case MoeRouter::softmax_topk:
          softmax_topk_row(row, e_count, params, scratch.data(), ids + t * is, weights + t * ws);
          break;
        case MoeRouter::topk_softmax:
          topk_softmax_row(row, e_count, params, ids + t * is, weights + t * ws);
          break;
        case MoeRouter::sigmoid_grouped:
          sigmoid_grouped_row(row, bias, e_count, params, scratch.data(), kept.data(), ids + t * is, weights + t * ws);
          break;
      }
    }
  });
}

}  // namespace hipserve
