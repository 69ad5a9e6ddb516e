#include <cmath>

#include "checks.h"
#include "cpu_isa.h"
#include "hipserve/ops.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

constexpr int kLanes = 16;

HS_MULTIVERSION
void rms_norm_row(const float* x, const float* weight, float eps, int64_t hidden, float* out,
                  float* residual) {
  float acc[kLanes] = {};
  int64_t i = 0;
  if (residual != nullptr) {
    for (; i < hidden; ++i) {
      float v = x[i] + residual[i];
      residual[i] = v;
    }
    x = residual;
    i = 0;
  }
  for (; i + kLanes <= hidden; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j] * x[i + j];
  float sum = 0.0f;
  for (; i < hidden; ++i) sum += x[i] * x[i];
  for (int j = 0; j < kLanes; ++j) sum += acc[j];
  float inv = 1.0f / std::sqrt(sum / static_cast<float>(hidden) + eps);
  for (i = 0; i < hidden; ++i) out[i] = x[i] * inv * weight[i];
}

void rms_norm_launch(const float* x, int64_t x_stride, const float* weight, float eps, int64_t rows,
                     int64_t hidden, float* out, int64_t out_stride, float* residual, int64_t res_stride) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(hidden, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      rms_norm_row(x + r * x_stride, weight, eps, hidden, out + r * out_stride,
                   residual ? residual + r * res_stride : nullptr);
  });
}

void check_norm_args(const TensorView& x, const TensorView& weight, float eps, const char* x_name) {
  check_cpu(x, x_name);
  check_cpu(weight, "weight");
  check_dtype(x, x_name, {DType::f32});
  check_dtype(weight, "weight", {DType::f32});
  check_ndim(x, x_name, 2);
  check_ndim(weight, "weight", 1);
  check_rows_dense(x, x_name);
  check_rows_dense(weight, "weight");
  check_dim(weight, "weight", 0, x.size(1));
  HS_CHECK(x.size(0) > 0, empty_batch, x_name << ": no rows to normalise");
  HS_CHECK(std::isfinite(eps) && eps >= 0.0f, invalid_argument, "eps must be finite and >= 0");
}

// `t` must be an f32 host matrix of x's shape with dense rows.
void check_like_rows(const TensorView& t, const char* name, const TensorView& x) {
  check_host_rows(t, name, 2, {DType::f32});
  check_dim(t, name, 0, x.size(0));
  check_dim(t, name, 1, x.size(1));
}

}  // namespace
}  // namespace cpu

void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& out) {
  cpu::check_norm_args(x, weight, eps, "x");
  cpu::check_like_rows(out, "out", x);
  cpu::rms_norm_launch(x.ptr<float>(), x.stride(0), weight.ptr<float>(), eps, x.size(0), x.size(1),
                       out.ptr<float>(), out.stride(0), nullptr, 0);
}

void fused_add_rms_norm(const TensorView& x, const TensorView& residual, const TensorView& weight, float eps) {
  cpu::check_norm_args(x, weight, eps, "x");
  cpu::check_like_rows(residual, "residual", x);
  cpu::rms_norm_launch(x.ptr<float>(), x.stride(0), weight.ptr<float>(), eps, x.size(0), x.size(1),
                       x.ptr<float>(), x.stride(0), residual.ptr<float>(), residual.stride(0));
}

}  // namespace hipserve
