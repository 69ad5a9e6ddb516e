#include "hip/activation.h"

#include <algorithm>

#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/gated_activation.h"
#include "hip/launch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

// blockIdx.x picks the row, blockIdx.y a span of blockDim.x * kVec columns.
template <typename T, typename Act, int kVec>
__global__ void act_and_mul_kernel(const T* x, int64_t x_stride, T* out, int64_t out_stride, int inter) {
  const int64_t row = blockIdx.x;
  const int i = (blockIdx.y * blockDim.x + threadIdx.x) * kVec;
  if (i >= inter) return;
  const T* gate = x + row * x_stride;
  float a[kVec], b[kVec];
  load_vec<T, kVec>(gate + i, a);
  load_vec<T, kVec>(gate + inter + i, b);
  Act act;
#pragma unroll
  for (int j = 0; j < kVec; ++j) a[j] = act(a[j]) * b[j];
  store_vec<T, kVec>(out + row * out_stride + i, a);
}

template <typename T, typename Act>
void launch_with(const T* x, int64_t x_stride, T* out, int64_t out_stride, int64_t rows, int64_t inter,
                 bool vectorized, hipStream_t stream) {
  const int vec = vectorized ? 8 : 1;
  const int64_t lanes = (inter + vec - 1) / vec;
  const int threads = block_threads(lanes, 256);
  const dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>((lanes + threads - 1) / threads));
  auto kernel = vectorized ? act_and_mul_kernel<T, Act, 8> : act_and_mul_kernel<T, Act, 1>;
  kernel<<<grid, threads, 0, stream>>>(x, x_stride, out, out_stride, static_cast<int>(inter));
  HS_GPU_CHECK_LAUNCH();
}

void act_and_mul(GatedActivation act, const TensorView& x, const TensorView& out, hipStream_t stream) {
  check_device_rows(x, "x", x.device_index, 2, {DType::bf16, DType::f16});
  check_device_rows(out, "out", x.device_index, 2, {x.dtype});
  HS_CHECK(x.size(1) % 2 == 0, shape_mismatch, "x: width " << x.size(1) << " is odd, expected [T, 2 * I]");
  const int64_t inter = x.size(1) / 2;
  check_dim(out, "out", 0, x.size(0));
  check_dim(out, "out", 1, inter);
  HS_CHECK(x.size(0) > 0 && inter > 0, empty_batch, "x: [" << x.size(0) << ", " << x.size(1) << "] is empty");
  HS_CHECK(x.size(0) <= INT32_MAX && inter <= int64_t{65535} * 256, invalid_argument,
           "x: at most 2^31 - 1 rows of 2^24 outputs per call");
  DeviceGuard guard(x.device_index);
  const bool vectorized = inter % 8 == 0 && rows_aligned(x, 16) && rows_aligned(out, 16);
  dispatch_half(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    act_and_mul_launch<T>(act, x.ptr<T>(), x.stride(0), out.ptr<T>(), out.stride(0), x.size(0), inter, vectorized,
                          stream);
  });
}

}  // namespace

template <typename T>
void act_and_mul_launch(GatedActivation act, const T* x, int64_t x_stride, T* out, int64_t out_stride, int64_t rows,
                        int64_t inter, bool vectorized, hipStream_t stream) {
  if (act == GatedActivation::silu)
    launch_with<T, Silu>(x, x_stride, out, out_stride, rows, inter, vectorized, stream);
  else
    launch_with<T, GeluTanh>(x, x_stride, out, out_stride, rows, inter, vectorized, stream);
}

template void act_and_mul_launch<bf16>(GatedActivation, const bf16*, int64_t, bf16*, int64_t, int64_t, int64_t, bool,
                                       hipStream_t);
template void act_and_mul_launch<f16>(GatedActivation, const f16*, int64_t, f16*, int64_t, int64_t, int64_t, bool,
                                      hipStream_t);

void silu_and_mul(const TensorView& x, const TensorView& out, hipStream_t stream) {
  act_and_mul(GatedActivation::silu, x, out, stream);
}

void gelu_tanh_and_mul(const TensorView& x, const TensorView& out, hipStream_t stream) {
  act_and_mul(GatedActivation::gelu_tanh, x, out, stream);
}

}  // namespace hipserve::gpu
