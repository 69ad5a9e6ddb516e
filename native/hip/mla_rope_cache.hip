#include "hip/mla_rope_cache.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/reduce.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

// Rotates pair j of x (R values at stride 1): neox (j, j + R/2), GPT-J (2j, 2j + 1).
template <typename T>
__device__ __forceinline__ void rope_pair(const T* x, T* y, int j, int half, bool neox, float cos, float sin) {
  const int i0 = neox ? j : 2 * j, i1 = neox ? j + half : 2 * j + 1;
  const float x0 = to_float(x[i0]), x1 = to_float(x[i1]);
  y[i0] = from_float<T>(x0 * cos - x1 * sin);
  y[i1] = from_float<T>(x1 * cos + x0 * sin);
}

// One block per token: the norm of c_kv, then the cache row and the query heads' rope parts.
template <typename T>
__global__ void mla_rope_cache_kernel(MlaRopeCacheArgs<T> a) {
  __shared__ float scratch[kMaxWavesPerBlock];
  const int64_t t = blockIdx.x;
  const int32_t pos = a.positions[t];
  if (pos < 0 || pos >= a.max_position) {
    if (threadIdx.x == 0) raise_kernel_fault(a.fault, kFaultPosition);
    return;
  }
  const int half = a.rope_dim / 2, L = a.latent_dim;
  const float* cos = a.cos_sin + pos * a.cos_sin_stride;
  const float* sin = cos + half;
  for (int i = threadIdx.x; i < a.num_heads * half; i += blockDim.x) {
    const int h = i / half, j = i % half;
    rope_pair(a.q + t * a.q_token_stride + h * a.q_head_stride + a.nope_dim,
              a.q_abs + t * a.q_abs_token_stride + h * a.q_abs_head_stride, j, half, a.is_neox, cos[j], sin[j]);
  }
  int64_t slot = a.slot_mapping[t];
  if (slot >= a.num_slots) {
    if (threadIdx.x == 0) raise_kernel_fault(a.fault, kFaultSlot);
    slot = -1;
  }
  if (slot < 0) return;  // uniform across the block
  const T* kv = a.kv + t * a.kv_stride;
  T* row = a.cache + (slot / a.block_size) * a.cache_block_stride + (slot % a.block_size) * a.cache_offset_stride;
  float sum_sq = 0.0f;
  for (int e = threadIdx.x; e < L; e += blockDim.x) {
    const float v = to_float(kv[e]);
    sum_sq += v * v;
  }
  const float inv_rms = rsqrtf(block_sum(sum_sq, scratch) / static_cast<float>(L) + a.eps);
  for (int e = threadIdx.x; e < L; e += blockDim.x)
    row[a.rope_dim + e] = from_float<T>(to_float(kv[e]) * inv_rms * to_float(a.kv_norm_weight[e]));
  for (int j = threadIdx.x; j < half; j += blockDim.x) rope_pair(kv + L, row, j, half, a.is_neox, cos[j], sin[j]);
}

}  // namespace

template <typename T>
void mla_rope_cache_launch(const MlaRopeCacheArgs<T>& args, hipStream_t stream) {
  mla_rope_cache_kernel<T><<<static_cast<unsigned>(args.tokens), 256, 0, stream>>>(args);
  HS_GPU_CHECK_LAUNCH();
}

void mla_rope_cache(const TensorView& positions, const TensorView& q, const TensorView& kv,
                    const TensorView& kv_norm_weight, float eps, const TensorView& cos_sin_cache, bool is_neox,
                    const TensorView& slot_mapping, const TensorView& q_abs, const TensorView& latent_cache,
                    hipStream_t stream) {
  const int device = q.device_index;
  check_device_rows(q, "q", device, 3, {DType::bf16, DType::f16});
  check_device_rows(kv, "kv", device, 2, {q.dtype});
  check_device_rows(kv_norm_weight, "kv_norm_weight", device, 1, {q.dtype});
  check_device_rows(positions, "positions", device, 1, {DType::i32});
  check_device_rows(slot_mapping, "slot_mapping", device, 1, {DType::i32});
  HS_CHECK(positions.is_contiguous() && slot_mapping.is_contiguous(), invalid_argument,
           "positions, slot_mapping: must be contiguous");
  check_device_rows(cos_sin_cache, "cos_sin_cache", device, 2, {DType::f32});
  check_device_rows(q_abs, "q_abs", device, 3, {q.dtype});
  check_on_gpu(latent_cache, "latent_cache", device);
  check_dtype(latent_cache, "latent_cache", {q.dtype});
  HS_CHECK(latent_cache.ndim == 3 || (latent_cache.ndim == 4 && latent_cache.size(2) == 1), shape_mismatch,
           "latent_cache: expected [num_blocks, block_size, (1,) R + L]");
  check_rows_dense(latent_cache, "latent_cache");
  const int64_t tokens = positions.size(0), heads = q.size(1), rope = cos_sin_cache.size(1);
  const int64_t latent = kv_norm_weight.size(0);
  HS_CHECK(tokens > 0, empty_batch, "mla_rope_cache: no tokens");
  HS_CHECK(tokens <= INT32_MAX, invalid_argument, "positions: at most 2^31 - 1 tokens per call");
  HS_CHECK(rope > 0 && rope % 2 == 0, shape_mismatch, "cos_sin_cache: " << rope << " rope dims, expected even > 0");
  HS_CHECK(cos_sin_cache.size(0) > 0, empty_batch, "cos_sin_cache: no positions");
  HS_CHECK(latent > 0, empty_batch, "kv_norm_weight: empty");
  for (const auto& [t, name] : {std::pair{&q, "q"}, std::pair{&q_abs, "q_abs"}}) {
    check_dim(*t, name, 0, tokens);
    check_dim(*t, name, 1, heads);
  }
  HS_CHECK(q.size(2) >= rope, shape_mismatch, "q: heads of " << q.size(2) << " values hold no " << rope << " rope dims");
  check_dim(q_abs, "q_abs", 2, rope + latent);
  check_dim(kv, "kv", 0, tokens);
  check_dim(kv, "kv", 1, latent + rope);
  check_dim(slot_mapping, "slot_mapping", 0, tokens);
  check_dim(latent_cache, "latent_cache", latent_cache.ndim - 1, rope + latent);
  HS_CHECK(latent_cache.size(0) > 0 && latent_cache.size(1) > 0, empty_batch, "latent_cache: no blocks");
  HS_CHECK(std::isfinite(eps) && eps >= 0.0f, invalid_argument, "eps: must be finite and >= 0");
  HS_CHECK(heads * rope / 2 <= INT_MAX, invalid_argument, "q: too many heads");
  DeviceGuard guard(device);
  dispatch_half(q.dtype, [&](auto tag) {
    using T = decltype(tag);
    const MlaRopeCacheArgs<T> args{
        positions.ptr<int32_t>(), tokens, q.ptr<T>(), q.stride(0), q.stride(1), static_cast<int>(heads),
        static_cast<int>(q.size(2) - rope), kv.ptr<T>(), kv.stride(0), kv_norm_weight.ptr<T>(), eps,
        static_cast<int>(latent), static_cast<int>(rope), cos_sin_cache.ptr<float>(), cos_sin_cache.stride(0),
        cos_sin_cache.size(0), is_neox, slot_mapping.ptr<int32_t>(), q_abs.ptr<T>(), q_abs.stride(0),
        q_abs.stride(1), latent_cache.ptr<T>(), latent_cache.stride(0), latent_cache.stride(1),
        latent_cache.size(1), latent_cache.size(0) * latent_cache.size(1), kernel_fault_word(device)};
    mla_rope_cache_launch<T>(args, stream);
  });
}

template void mla_rope_cache_launch<bf16>(const MlaRopeCacheArgs<bf16>&, hipStream_t);
template void mla_rope_cache_launch<f16>(const MlaRopeCacheArgs<f16>&, hipStream_t);

}  // namespace hipserve::gpu
