#include "attention_run.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "thread_pool.h"

namespace hipserve::cpu {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// out = acc / (l + exp(sink - m)), the sink being one more logit whose column is dropped.
void finalize_row(float m, float l, const float* acc, int64_t d_size, const float* sink, float* out) {
  float keep = 1.0f, denom = l;
  if (sink != nullptr) {
    const float top = std::max(m, *sink);
    keep = m == kNegInf ? 0.0f : std::exp(m - top);
    denom = l * keep + std::exp(*sink - top);
  }
  const float f = denom > 0.0f ? keep / denom : 0.0f;
  for (int64_t d = 0; d < d_size; ++d) out[d] = acc[d] * f;
}

struct RowWriter {
  const AttentionProblem& p;
  const AttentionOutput& o;

  void operator()(const AttentionItem& item, int64_t r, float m, float l, const float* acc) const {
    const int64_t head = item.row_head(r, p.group_size);
    const int64_t token = item.row_token(r);
    finalize_row(m, l, acc, p.head_size, o.sinks ? o.sinks + head : nullptr,
                 o.out + token * o.token_stride + head * o.head_stride);
  }
};

template <class T>
T* thread_scratch(size_t n) {
  thread_local std::vector<T> scratch;
  if (scratch.size() < n) scratch.resize(n);
  return scratch.data();
}

void merge_split(const AttentionProblem& p, const AttentionPlan& plan, const AttentionPlan::Split& split,
                 const float* part_max, const float* part_sum, const float* part_acc, const RowWriter& write) {
  const int64_t d_size = p.head_size;
  const AttentionItem& first = plan.items[split.first_item];
  float* acc = thread_scratch<float>(d_size);
  for (int64_t r = 0; r < first.rows(); ++r) {
    float m = kNegInf;
    for (int64_t i = 0; i < split.num_items; ++i) m = std::max(m, part_max[plan.items[split.first_item + i].partial + r]);
    float l = 0.0f;
    std::fill(acc, acc + d_size, 0.0f);
    for (int64_t i = 0; i < split.num_items; ++i) {
      const int64_t row = plan.items[split.first_item + i].partial + r;
      if (part_max[row] == kNegInf) continue;
      const float w = std::exp(part_max[row] - m);
      l += part_sum[row] * w;
      const float* src = part_acc + row * d_size;
      for (int64_t d = 0; d < d_size; ++d) acc[d] += src[d] * w;
    }
    write(first, r, m, l, acc);
  }
}

}  // namespace

void run_attention(const AttentionProblem& p, const AttentionPlan& plan, const AttentionOutput& o, AttendFn fn) {
  const int64_t d_size = p.head_size;
  const RowWriter write{p, o};
  std::vector<float> part_max(plan.partial_rows), part_sum(plan.partial_rows),
      part_acc(plan.partial_rows * d_size);
  const int64_t n = static_cast<int64_t>(plan.items.size());
  std::atomic<int64_t> next{0};
  parallel_for(std::min<int64_t>(n, num_threads()), 1, [&](int64_t, int64_t) {
    const int64_t rows = plan.max_rows;
    float* scratch = thread_scratch<float>(rows * (2 + d_size + kKeyChunk));
    const AttendBuffers local{scratch, scratch + rows, scratch + 2 * rows, scratch + rows * (2 + d_size),
                              thread_scratch<const float*>(rows)};
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
      const AttentionItem& item = plan.items[plan.order[i]];
      if (item.partial >= 0) {
        fn(p, item, {part_max.data() + item.partial, part_sum.data() + item.partial,
                     part_acc.data() + item.partial * d_size, local.scores, local.q_rows});
        continue;
      }
      fn(p, item, local);
      for (int64_t r = 0; r < item.rows(); ++r) write(item, r, local.row_max[r], local.row_sum[r], local.acc + r * d_size);
    }
  });
  parallel_for(static_cast<int64_t>(plan.splits.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s)
      merge_split(p, plan, plan.splits[s], part_max.data(), part_sum.data(), part_acc.data(), write);
  });
}

}  // namespace hipserve::cpu
