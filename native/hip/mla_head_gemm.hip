#include "hip/mla_head_gemm.h"

#include <climits>

#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/matrix_core.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

constexpr int kTile = 64;                       // tokens and outputs per block
constexpr int kStep = 32;                       // K per shared-memory step
constexpr int kLd = kStep + 8;                  // padded row pitch (distinct banks for fragment loads)
constexpr int kWaves = kTile / mc::kDim;        // one wave per 16 tokens
constexpr int kChunks = kTile * kStep / 8;      // 16-byte chunks of one operand's step
constexpr int kThreads = kWaves * HS_WAVE_SIZE;
constexpr int kPer = (kChunks + kThreads - 1) / kThreads;

#if defined(HS_GPU_DEVICE_CODE)

template <typename T>
__global__ __launch_bounds__(kThreads) void mla_head_gemm_kernel(MlaHeadGemmArgs<T> a) {
  __shared__ __align__(16) T xs[kTile * kLd];
  __shared__ __align__(16) T ws[kTile * kLd];
  const int n0 = blockIdx.x * kTile, head = blockIdx.y, t0 = blockIdx.z * kTile;
  const int wave = threadIdx.x / HS_WAVE_SIZE;
  const T* x = a.x + head * a.x_head_stride;
  const T* w = a.w + int64_t{head} * a.n * a.k;

  uint4 xr[kPer], wr[kPer];
  auto fetch = [&](int k0) {
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      const int c = threadIdx.x + i * kThreads, r = c / (kStep / 8), col = k0 + (c % (kStep / 8)) * 8;
      xr[i] = wr[i] = make_uint4(0, 0, 0, 0);
      if (c < kChunks && col < a.k) {
        if (t0 + r < a.tokens) xr[i] = *reinterpret_cast<const uint4*>(x + (t0 + r) * a.x_token_stride + col);
        if (n0 + r < a.n) wr[i] = *reinterpret_cast<const uint4*>(w + int64_t{n0 + r} * a.k + col);
      }
    }
  };
  mc::Accum acc[kTile / mc::kDim];
#pragma unroll
  for (int t = 0; t < kTile / mc::kDim; ++t) mc::zero(acc[t]);
  fetch(0);
  for (int k0 = 0; k0 < a.k; k0 += kStep) {
    __syncthreads();  // the previous step's tiles are consumed
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      const int c = threadIdx.x + i * kThreads, r = c / (kStep / 8), col = (c % (kStep / 8)) * 8;
      if (c < kChunks) {
        *reinterpret_cast<uint4*>(xs + r * kLd + col) = xr[i];
        *reinterpret_cast<uint4*>(ws + r * kLd + col) = wr[i];
      }
    }
    __syncthreads();
    if (k0 + kStep < a.k) fetch(k0 + kStep);
#pragma unroll
    for (int kk = 0; kk < kStep / mc::kDim; ++kk) {
      const mc::FragA xa = mc::load_a(xs + wave * mc::kDim * kLd + kk * mc::kDim, kLd);
#pragma unroll
      for (int t = 0; t < kTile / mc::kDim; ++t)
        mc::mma<T>(acc[t], xa, mc::load_b(ws + t * mc::kDim * kLd + kk * mc::kDim, kLd));
    }
  }
#pragma unroll
  for (int i = 0; i < mc::kAccumElems; ++i) {
    const int token = t0 + wave * mc::kDim + mc::accum_row(i);
    if (token >= a.tokens) continue;
    T* dst = a.out + token * a.out_token_stride + head * a.out_head_stride;
#pragma unroll
    for (int t = 0; t < kTile / mc::kDim; ++t) {
      const int n = n0 + t * mc::kDim + mc::accum_col(i);
      if (n < a.n) dst[n] = from_float<T>(acc[t].x[i]);
    }
  }
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace

template <typename T>
void mla_head_gemm_launch(const MlaHeadGemmArgs<T>& a, hipStream_t stream) {
  int device = 0;
  HS_GPU_CHECK(hipGetDevice(&device));
  const dim3 grid((a.n + kTile - 1) / kTile, a.heads, (a.tokens + kTile - 1) / kTile);
  mla_head_gemm_kernel<T><<<grid, kWaves * device_caps(device).wave_size, 0, stream>>>(a);
  HS_GPU_CHECK_LAUNCH();
}

template void mla_head_gemm_launch<bf16>(const MlaHeadGemmArgs<bf16>&, hipStream_t);
template void mla_head_gemm_launch<f16>(const MlaHeadGemmArgs<f16>&, hipStream_t);

void mla_head_gemm(const TensorView& x, const TensorView& w, const TensorView& out, hipStream_t stream) {
  const int device = x.device_index;
  check_device_rows(x, "x", device, 3, {DType::bf16, DType::f16});
  check_device_rows(w, "w", device, 3, {x.dtype});
  check_device_rows(out, "out", device, 3, {x.dtype});
  HS_CHECK(w.is_contiguous(), invalid_argument, "w: must be contiguous [H, N, K]");
  const int64_t tokens = x.size(0), heads = x.size(1), k = x.size(2), n = w.size(1);
  HS_CHECK(tokens > 0 && heads > 0 && k > 0 && n > 0, empty_batch,
           "mla_head_gemm: T " << tokens << ", H " << heads << ", N " << n << ", K " << k << " is empty");
  check_dim(w, "w", 0, heads);
  check_dim(w, "w", 2, k);
  check_dim(out, "out", 0, tokens);
  check_dim(out, "out", 1, heads);
  check_dim(out, "out", 2, n);
  HS_CHECK(k % 8 == 0 && n % 8 == 0, unsupported, "mla_head_gemm: N " << n << " and K " << k << " must be multiples of 8");
  HS_CHECK(tokens <= INT_MAX && heads <= 65535 && (tokens + kTile - 1) / kTile <= 65535, invalid_argument,
           "mla_head_gemm: at most 65535 heads and 64 × 65535 tokens");
  HS_CHECK(rows_aligned(x, 16) && rows_aligned(w, 16), invalid_argument, "x, w: rows must start on 16-byte boundaries");
  DeviceGuard guard(device);
  dispatch_half(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const MlaHeadGemmArgs<T> args{x.ptr<T>(), x.stride(0), x.stride(1), w.ptr<T>(), out.ptr<T>(), out.stride(0),
                                  out.stride(1), static_cast<int>(tokens), static_cast<int>(heads),
                                  static_cast<int>(n), static_cast<int>(k)};
    mla_head_gemm_launch<T>(args, stream);
  });
}

}  // namespace hipserve::gpu
