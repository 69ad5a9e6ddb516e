#include "hip/launch.h"
#include "hip/rms_norm.h"

#include <algorithm>
#include <cmath>

#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/reduce.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

// One block per row, each thread owning kVecs 16-byte slices of it in registers (rows of up to 1024 · 8 · kVecs
// elements, 16-byte aligned): the weight, x and residual loads are all issued before anything waits, so a decode
// step's norm costs one memory round trip, not three (x, then the residual read back, then the weight).
template <typename T, int kVecs>
__global__ void rms_norm_rows_kernel(const T* x, int64_t x_stride, T* residual, int64_t res_stride, const T* weight,
                                     float eps, int hidden, T* out, int64_t out_stride) {
  __shared__ float scratch[kMaxWavesPerBlock];
  const int64_t row = blockIdx.x;
  const T* xr = x + row * x_stride;
  T* rr = residual != nullptr ? residual + row * res_stride : nullptr;
  float v[kVecs][8], w[kVecs][8];
#pragma unroll
  for (int u = 0; u < kVecs; ++u) {
    const int i = (threadIdx.x + u * blockDim.x) * 8;
    if (i >= hidden) continue;
    load_vec<T, 8>(weight + i, w[u]);
    load_vec<T, 8>(xr + i, v[u]);
    if (rr != nullptr) {
      float r[8];
      load_vec<T, 8>(rr + i, r);
#pragma unroll
      for (int j = 0; j < 8; ++j) v[u][j] = round_to<T>(v[u][j] + r[j]);
    }
  }
  float sum_sq = 0.0f;
#pragma unroll
  for (int u = 0; u < kVecs; ++u) {
    const int i = (threadIdx.x + u * blockDim.x) * 8;
    if (i >= hidden) continue;
    if (rr != nullptr) store_vec<T, 8>(rr + i, v[u]);
#pragma unroll
    for (int j = 0; j < 8; ++j) sum_sq += v[u][j] * v[u][j];
  }
  const float inv = rsqrtf(block_sum(sum_sq, scratch) / static_cast<float>(hidden) + eps);
  T* outr = out + row * out_stride;
#pragma unroll
  for (int u = 0; u < kVecs; ++u) {
    const int i = (threadIdx.x + u * blockDim.x) * 8;
    if (i >= hidden) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) v[u][j] = v[u][j] * inv * w[u][j];
    store_vec<T, 8>(outr + i, v[u]);
  }
}

// Any other row (unaligned, H % 8 != 0, or wider than the register kernel takes): pass 1 forms the (rounded)
// residual sum and its sum of squares; pass 2 reads it back (the same thread's own writes) and scales.
template <typename T>
__global__ void rms_norm_kernel(const T* x, int64_t x_stride, T* residual, int64_t res_stride, const T* weight,
                                float eps, int hidden, T* out, int64_t out_stride) {
  __shared__ float scratch[kMaxWavesPerBlock];
  const int64_t row = blockIdx.x;
  const T* xr = x + row * x_stride;
  T* rr = residual != nullptr ? residual + row * res_stride : nullptr;
  const T* src = rr != nullptr ? rr : xr;
  float sum_sq = 0.0f;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
    float v = to_float(xr[i]);
    if (rr != nullptr) {
      v = round_to<T>(v + to_float(rr[i]));
      rr[i] = from_float<T>(v);
    }
    sum_sq += v * v;
  }
  const float inv = rsqrtf(block_sum(sum_sq, scratch) / static_cast<float>(hidden) + eps);
  T* outr = out + row * out_stride;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x)
    outr[i] = from_float<T>(to_float(src[i]) * inv * to_float(weight[i]));
}

void check_norm_args(const TensorView& x, const TensorView& weight, float eps) {
  check_device_rows(x, "x", x.device_index, 2, {DType::bf16, DType::f16});
  check_device_rows(weight, "weight", x.device_index, 1, {DType::bf16, DType::f16});
  check_same_dtype(weight, "weight", x.dtype);
  check_dim(weight, "weight", 0, x.size(1));
  HS_CHECK(x.size(0) > 0 && x.size(1) > 0, empty_batch, "x: [" << x.size(0) << ", " << x.size(1) << "] is empty");
  HS_CHECK(x.size(0) <= INT32_MAX && x.size(1) <= INT32_MAX, invalid_argument,
           "x: at most 2^31 - 1 rows of 2^31 - 1 elements per call");
  HS_CHECK(std::isfinite(eps) && eps >= 0.0f, invalid_argument, "eps must be finite and >= 0");
}

void check_like_x(const TensorView& t, const char* name, const TensorView& x) {
  check_device_rows(t, name, x.device_index, 2, {x.dtype});
  check_dim(t, name, 0, x.size(0));
  check_dim(t, name, 1, x.size(1));
}

constexpr int64_t kVecBytes = 16;

bool can_vectorize(std::initializer_list<const TensorView*> views, int64_t hidden) {
  if (hidden % 8 != 0) return false;
  for (const TensorView* v : views)
    if (!rows_aligned(*v, kVecBytes)) return false;
  return true;
}

}  // namespace

constexpr int kMaxThreads = 1024;
constexpr int kMaxRegisterVecs = 4;  // rows of up to 32768 elements

template <typename T>
void rms_norm_launch(const T* x, int64_t x_stride, T* residual, int64_t res_stride, const T* weight, float eps,
                     int64_t rows, int64_t hidden, T* out, int64_t out_stride, bool vectorized, hipStream_t stream) {
  const auto grid = static_cast<unsigned>(rows);
  const int h = static_cast<int>(hidden);
  int64_t vecs = (hidden / 8 + kMaxThreads - 1) / kMaxThreads;  // per thread
  if (vectorized && vecs <= kMaxRegisterVecs) {
    vecs = vecs == 3 ? 4 : vecs;
    const int threads = block_threads((hidden / 8 + vecs - 1) / vecs, kMaxThreads);
    auto kernel = vecs == 1   ? rms_norm_rows_kernel<T, 1>
                  : vecs == 2 ? rms_norm_rows_kernel<T, 2>
                              : rms_norm_rows_kernel<T, 4>;
    kernel<<<grid, threads, 0, stream>>>(x, x_stride, residual, res_stride, weight, eps, h, out, out_stride);
  } else {
    rms_norm_kernel<T><<<grid, block_threads(hidden, kMaxThreads), 0, stream>>>(x, x_stride, residual, res_stride,
                                                                               weight, eps, h, out, out_stride);
  }
  HS_GPU_CHECK_LAUNCH();
}

template void rms_norm_launch<bf16>(const bf16*, int64_t, bf16*, int64_t, const bf16*, float, int64_t, int64_t,
                                    bf16*, int64_t, bool, hipStream_t);
template void rms_norm_launch<f16>(const f16*, int64_t, f16*, int64_t, const f16*, float, int64_t, int64_t, f16*,
                                   int64_t, bool, hipStream_t);

void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& out, hipStream_t stream) {
  check_norm_args(x, weight, eps);
  check_like_x(out, "out", x);
  DeviceGuard guard(x.device_index);
  const bool vectorized = can_vectorize({&x, &weight, &out}, x.size(1));
  dispatch_half(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    rms_norm_launch<T>(x.ptr<T>(), x.stride(0), nullptr, 0, weight.ptr<T>(), eps, x.size(0), x.size(1), out.ptr<T>(),
                       out.stride(0), vectorized, stream);
  });
}

void fused_add_rms_norm(const TensorView& x, const TensorView& residual, const TensorView& weight, float eps,
                        hipStream_t stream) {
  check_norm_args(x, weight, eps);
  check_like_x(residual, "residual", x);
  DeviceGuard guard(x.device_index);
  const bool vectorized = can_vectorize({&x, &residual, &weight}, x.size(1));
  dispatch_half(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    rms_norm_launch<T>(x.ptr<T>(), x.stride(0), residual.ptr<T>(), residual.stride(0), weight.ptr<T>(), eps,
                       x.size(0), x.size(1), x.ptr<T>(), x.stride(0), vectorized, stream);
  });
}

}  // namespace hipserve::gpu
