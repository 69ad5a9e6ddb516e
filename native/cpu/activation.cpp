#include "checks.h"
#include "cpu_isa.h"
#include "hipserve/ops.h"
#include "softmax_exp.h"
#include "softmax_row.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

// silu(a) = a * sigmoid(a)
HS_MULTIVERSION
void silu_and_mul_row(const float* x, int64_t inter, float* out) {
  const float* gate = x;
  const float* up = x + inter;
  for (int64_t i = 0; i < inter; ++i) out[i] = gate[i] / (1.0f + fast_exp(-gate[i])) * up[i];
}

// gelu_tanh(a) = a/2 * (1 + tanh(√(2/π) (a + 0.044715 a³))), with 1 + tanh(y) = 2 - 2 / (exp(2y) + 1).
HS_MULTIVERSION
void gelu_tanh_and_mul_row(const float* x, int64_t inter, float* out) {
  const float* gate = x;
  const float* up = x + inter;
  constexpr float kTwoSqrt2OverPi = 2.0f * 0.7978845608028654f;
  for (int64_t i = 0; i < inter; ++i) {
    float a = gate[i];
    float y2 = kTwoSqrt2OverPi * (a + 0.044715f * a * a * a);
    out[i] = a * (1.0f - 1.0f / (fast_exp(y2) + 1.0f)) * up[i];
  }
}

using RowFn = void (*)(const float*, int64_t, float*);

void act_and_mul_launch(RowFn row, const float* x, int64_t x_stride, int64_t rows, int64_t inter, float* out,
                        int64_t out_stride) {
  parallel_for(rows, row_grain(inter), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) row(x + r * x_stride, inter, out + r * out_stride);
  });
}

void act_and_mul(RowFn row, const TensorView& x, const TensorView& out) {
  check_host_rows(x, "x", 2, {DType::f32});
  check_host_rows(out, "out", 2, {DType::f32});
  check_nonempty(x, "x");
  HS_CHECK(x.size(1) % 2 == 0, shape_mismatch, "x: width " << x.size(1) << " is not 2 * intermediate size");
  check_dim(out, "out", 0, x.size(0));
  check_dim(out, "out", 1, x.size(1) / 2);
  act_and_mul_launch(row, x.ptr<float>(), x.stride(0), x.size(0), x.size(1) / 2, out.ptr<float>(), out.stride(0));
}

}  // namespace
}  // namespace cpu

void silu_and_mul(const TensorView& x, const TensorView& out) { cpu::act_and_mul(cpu::silu_and_mul_row, x, out); }

void gelu_tanh_and_mul(const TensorView& x, const TensorView& out) {
  cpu::act_and_mul(cpu::gelu_tanh_and_mul_row, x, out);
}

}  // namespace hipserve
