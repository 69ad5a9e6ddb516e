#include <cmath>

#include "checks.h"
#include "hipserve/ops.h"
#include "softmax_row.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

void softmax_row(const float* x, int64_t cols, float* out) {
  float m = row_max(x, cols);
  double sum = row_exp_store(x, cols, m, out);
  row_scale(out, cols, static_cast<float>(1.0 / sum));
}

void log_softmax_row(const float* x, int64_t cols, float* out) {
  float m = row_max(x, cols);
  double sum = row_exp_sum(x, cols, m);
  row_add(x, cols, -static_cast<float>(m + std::log(sum)), out);
}

using RowFn = void (*)(const float*, int64_t, float*);

void rows_launch(RowFn row, const float* x, int64_t x_stride, int64_t rows, int64_t cols, float* out,
                 int64_t out_stride) {
  parallel_for(rows, row_grain(cols), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) row(x + r * x_stride, cols, out + r * out_stride);
  });
}

void check_softmax_args(const TensorView& x, const TensorView& out) {
  check_host_rows(x, "x", 2, {DType::f32});
  check_host_rows(out, "out", 2, {DType::f32});
  check_nonempty(x, "x");
  check_dim(out, "out", 0, x.size(0));
  check_dim(out, "out", 1, x.size(1));
}

}  // namespace
}  // namespace cpu

void softmax(const TensorView& x, const TensorView& out) {
  cpu::check_softmax_args(x, out);
  cpu::rows_launch(cpu::softmax_row, x.ptr<float>(), x.stride(0), x.size(0), x.size(1), out.ptr<float>(),
                   out.stride(0));
}

void log_softmax(const TensorView& x, const TensorView& out) {
  cpu::check_softmax_args(x, out);
  cpu::rows_launch(cpu::log_softmax_row, x.ptr<float>(), x.stride(0), x.size(0), x.size(1), out.ptr<float>(),
                   out.stride(0));
}

}  // namespace hipserve
