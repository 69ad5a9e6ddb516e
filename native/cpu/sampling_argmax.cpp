#include "hipserve/ops.h"
#include "sampling_checks.h"
#include "softmax_row.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

// Lowest index of the row's largest value (NaN ignored; 0 when the row holds only NaN).
int32_t argmax_row(const float* x, int64_t n) {
  float m = row_max(x, n);
  for (int64_t i = 0; i < n; ++i)
    if (x[i] == m) return static_cast<int32_t>(i);
  return 0;
}

void argmax_launch(const float* logits, int64_t stride, int64_t rows, int64_t vocab, int32_t* out) {
  parallel_for(rows, row_grain(vocab), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) out[r] = argmax_row(logits + r * stride, vocab);
  });
}

}  // namespace
}  // namespace cpu

void argmax(const TensorView& logits, const TensorView& out) {
  cpu::check_logits(logits);
  cpu::check_per_row(out, "out", DType::i32, logits.size(0));
  cpu::argmax_launch(logits.ptr<float>(), logits.stride(0), logits.size(0), logits.size(1), out.ptr<int32_t>());
}

}  // namespace hipserve
