#include "hip/linear.h"

#include "hip/checks.h"
#include "runtime/blas.h"
#include "runtime/device.h"
#include "runtime/device_allocator.h"

namespace hipserve::gpu {
namespace {

bool takes_gemv(const TensorView& x, const TensorView& w, const LinearOptions& options) {
  if (options.path != LinearPath::automatic) return options.path == LinearPath::gemv;
  return x.ndim == 2 && w.ndim == 2 && x.size(0) <= kLinearGemvMaxTokens &&
         w.size(0) * w.size(1) <= kLinearGemvMaxWeights;
}

}  // namespace

void linear(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out,
            hipStream_t stream, const LinearOptions& options) {
  if (takes_gemv(x, w, options)) gemv(x, w, bias, out, stream, options.gemv);
  else matmul(x, w, bias, out, stream);
}

void gated_linear(GatedActivation act, const TensorView& x2, const TensorView& w, const TensorView* bias,
                  const TensorView& out, hipStream_t stream, const LinearOptions& options) {
  if (options.path == LinearPath::gemv) return gated_gemv(act, x2, w, bias, out, stream, options.gemv);
  check_device_rows(x2, "x", x2.device_index, 2, {DType::bf16, DType::f16});
  check_device_rows(w, "w", x2.device_index, 2, {x2.dtype});
  HS_CHECK(x2.size(1) == 2 * w.size(1), shape_mismatch,
           "x: width " << x2.size(1) << ", expected 2 × w's K = " << 2 * w.size(1));
  const int64_t shape[2] = {x2.size(0), w.size(1)};
  HS_CHECK(shape[0] > 0 && shape[1] > 0, empty_batch, "x: [" << x2.size(0) << ", " << x2.size(1) << "] is empty");
  DeviceGuard guard(x2.device_index);
  DeviceAllocation scratch(static_cast<size_t>(shape[0] * shape[1]) * dtype_size(x2.dtype), x2.device_index,
                           stream);
  TensorView act_out = make_view(scratch.data(), x2.dtype, 2, shape, Device::gpu);
  act_out.device_index = x2.device_index;
  if (act == GatedActivation::silu) silu_and_mul(x2, act_out, stream);
  else gelu_tanh_and_mul(x2, act_out, stream);
  linear(act_out, w, bias, out, stream, options);  // blas: the BLAS GEMM; automatic: linear's choice
  // `scratch` returns to this stream's cache: later work on the stream runs after the GEMM.
}

}  // namespace hipserve::gpu
