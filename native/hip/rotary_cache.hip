#include "hip/launch.h"
#include "hip/rotary_cache.h"

#include <algorithm>
#include <cmath>

#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/reduce.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

// Element j of the rotated half-pair layout: neox pairs (j, j + half), GPT-J pairs (2j, 2j + 1).
template <bool kNeox>
__device__ __forceinline__ int2 pair_of(int j, int half) {
  return kNeox ? make_int2(j, j + half) : make_int2(2 * j, 2 * j + 1);
}

// inv_rms[h] = 1 / sqrt(mean(x[h, :]²) + eps) for each of the heads of one token's row, one wave per head.
template <typename T>
__device__ void head_inv_rms(const T* x, int heads, int d, float eps, float* inv_rms) {
  const int wave = threadIdx.x / HS_WAVE_SIZE, lane = threadIdx.x % HS_WAVE_SIZE;
  for (int h = wave; h < heads; h += blockDim.x / HS_WAVE_SIZE) {
    float sum_sq = 0.0f;
    for (int e = lane; e < d; e += HS_WAVE_SIZE) {
      const float v = to_float(x[h * d + e]);
      sum_sq += v * v;
    }
    sum_sq = group_sum(sum_sq);
    if (lane == 0) inv_rms[h] = rsqrtf(sum_sq / static_cast<float>(d) + eps);
  }
}

// Element value v of a head as the rotation reads it: normalized and rounded to T first when kNorm.
template <typename T, bool kNorm>
__device__ __forceinline__ float head_value(T v, int e, float inv_rms, const T* weight) {
  return kNorm ? round_to<T>(to_float(v) * inv_rms * to_float(weight[e])) : to_float(v);
}

// Heads per block: a token's heads are spread over several blocks so that a single decode token is not one
// block walking 40 heads through a chain of dependent loads. Heads over 512 wide go one a block.
constexpr int kRotaryHeadsPerBlock = 4;
constexpr int kRotaryMaxThreads = 1024;
constexpr int64_t kRotaryMaxHeadSize = 2 * kRotaryMaxThreads;

int rotary_heads_per_block(int head_size) {
  return head_size * kRotaryHeadsPerBlock <= 2 * kRotaryMaxThreads ? kRotaryHeadsPerBlock : 1;
}

// Block (t, y) takes token t's q heads [y·H, y·H + H) while y < q_blocks, else k heads [(y - q_blocks)·H, …)
// (H = heads_per_block): (normalizes them,) rotates them, (normalizes the unrotated tail,) and for k heads
// writes the rotated k and the matching v heads to the cache slot. The block has at least H·D/2 threads: thread
// i rotates pair i and owns elements i and i + blockDim.x of the H heads' tail and v. Everything that needs no
// position (the position itself, the slot, the pair, the tail and v elements) is loaded first, so the
// rotation waits for one more round trip (cos and sin), not four.
template <typename T, bool kNeox, bool kNorm>
__global__ void rotary_cache_kernel(RotaryCacheArgs<T> a, int q_blocks, int heads_per_block) {
  __shared__ float inv_rms[kRotaryHeadsPerBlock];
  const int64_t t = blockIdx.x;
  const bool is_k = static_cast<int>(blockIdx.y) >= q_blocks;
  const int h0 = (is_k ? blockIdx.y - q_blocks : blockIdx.y) * heads_per_block;
  const int heads = min(heads_per_block, (is_k ? a.k_heads : a.q_heads) - h0);
  const bool caching = is_k && a.key_cache != nullptr;
  const int32_t pos = a.positions[t];
  int64_t slot = caching ? a.slot_mapping[t] : -1;
  const int half = a.rot_dim / 2, d = a.head_size, tail = d - a.rot_dim;
  T* x0_head = (is_k ? a.k + t * a.k_stride : a.q + t * a.q_stride) + int64_t{h0} * d;
  const T* v = caching ? a.v + t * a.v_stride + int64_t{h0} * d : nullptr;

  const int pair = threadIdx.x, ph = pair / half, pj = pair % half;
  const bool has_pair = pair < heads * half;
  const int2 p = pair_of<kNeox>(pj, half);
  T* x = x0_head + ph * d;
  T xa{}, xb{};
  if (has_pair) {
    xa = x[p.x];
    xb = x[p.y];
  }
  T tail_x[2] = {}, v_x[2] = {};
#pragma unroll
  for (int u = 0; u < 2; ++u) {
    const int i = threadIdx.x + u * blockDim.x;
    if (i >= heads * d) continue;
    if (i % d >= a.rot_dim) tail_x[u] = x0_head[i];
    if (caching) v_x[u] = v[i];
  }

  if (pos < 0 || pos >= a.max_position) {
    if (threadIdx.x == 0 && blockIdx.y == 0) raise_kernel_fault(a.fault, kFaultPosition);
    return;
  }
  if (slot >= a.num_slots) {
    if (threadIdx.x == 0 && h0 == 0) raise_kernel_fault(a.fault, kFaultSlot);
    slot = -1;
  }
  const T* norm_weight = is_k ? a.k_norm_weight : a.q_norm_weight;
  if (kNorm) {
    head_inv_rms(x0_head, heads, d, a.norm_eps, inv_rms);
    __syncthreads();
  }
  const int64_t cache_token = slot < 0 ? 0 : (slot / a.block_size) * a.cache_block_stride +
                                                 (slot % a.block_size) * a.cache_offset_stride;
  if (has_pair) {
    const float* cos = a.cos_sin + pos * a.cos_sin_stride;
    const float* sin = cos + half;
    const float inv = kNorm ? inv_rms[ph] : 1.0f;
    const float x0 = head_value<T, kNorm>(xa, p.x, inv, norm_weight);
    const float x1 = head_value<T, kNorm>(xb, p.y, inv, norm_weight);
    const T y0 = from_float<T>(x0 * cos[pj] - x1 * sin[pj]), y1 = from_float<T>(x1 * cos[pj] + x0 * sin[pj]);
    x[p.x] = y0;
    x[p.y] = y1;
    if (slot >= 0) {
      T* c = a.key_cache + cache_token + int64_t{h0 + ph} * a.cache_head_stride;
      c[p.x] = y0;
      c[p.y] = y1;
    }
  }
  if (slot < 0 && !(kNorm && tail > 0)) return;
  // The unrotated tail (normalized in place when kNorm) and, for k heads with a slot, the tail and v to the cache.
#pragma unroll
  for (int u = 0; u < 2; ++u) {
    const int i = threadIdx.x + u * blockDim.x;
    if (i >= heads * d) continue;
    const int h = i / d, e = i % d;
    const int64_t c = cache_token + int64_t{h0 + h} * a.cache_head_stride + e;
    if (e >= a.rot_dim) {
      T y = tail_x[u];
      if (kNorm) {
        y = from_float<T>(head_value<T, true>(y, e, inv_rms[h], norm_weight));
        x0_head[i] = y;
      }
      if (slot >= 0) a.key_cache[c] = y;
    }
    if (slot >= 0) a.value_cache[c] = v_x[u];
  }
}

void check_cache(const KvCacheWrite& c, const TensorView& k, int device, int64_t head_size) {
  const int64_t tokens = k.size(0), kv_heads = k.size(1) / head_size;
  check_device_rows(c.value, "value", device, 2, {k.dtype});
  check_dim(c.value, "value", 0, tokens);
  check_dim(c.value, "value", 1, k.size(1));
  check_device_rows(c.key_cache, "key_cache", device, 4, {k.dtype});
  check_device_rows(c.value_cache, "value_cache", device, 4, {k.dtype});
  check_dim(c.key_cache, "key_cache", 2, kv_heads);
  check_dim(c.key_cache, "key_cache", 3, head_size);
  for (int d = 0; d < 4; ++d) {
    check_dim(c.value_cache, "value_cache", d, c.key_cache.size(d));
    HS_CHECK(c.value_cache.stride(d) == c.key_cache.stride(d), invalid_argument,
             "value_cache: strides differ from key_cache's");
  }
  check_device_rows(c.slot_mapping, "slot_mapping", device, 1, {DType::i32});
  HS_CHECK(c.slot_mapping.is_contiguous(), invalid_argument, "slot_mapping: must be contiguous");
  check_dim(c.slot_mapping, "slot_mapping", 0, tokens);
  HS_CHECK(c.key_cache.size(0) > 0 && c.key_cache.size(1) > 0, empty_batch, "key_cache: no blocks");
}

void check_qk_norm(const QkNorm& n, const TensorView& q, const TensorView& k, int device, int64_t head_size) {
  check_device_rows(n.q_weight, "q_norm_weight", device, 1, {q.dtype});
  check_device_rows(n.k_weight, "k_norm_weight", device, 1, {q.dtype});
  check_dim(n.q_weight, "q_norm_weight", 0, head_size);
  check_dim(n.k_weight, "k_norm_weight", 0, head_size);
  HS_CHECK(std::isfinite(n.eps) && n.eps >= 0.0f, invalid_argument, "qk_norm: eps must be finite and >= 0");
}

}  // namespace

template <typename T>
void rotary_cache_launch(const RotaryCacheArgs<T>& args, hipStream_t stream) {
  const int per_block = rotary_heads_per_block(args.head_size);
  const int q_blocks = (args.q_heads + per_block - 1) / per_block;
  const int k_blocks = (args.k_heads + per_block - 1) / per_block;
  const int threads = block_threads(per_block * args.head_size / 2, kRotaryMaxThreads);
  const bool norm = args.q_norm_weight != nullptr;
  auto kernel = args.is_neox ? (norm ? rotary_cache_kernel<T, true, true> : rotary_cache_kernel<T, true, false>)
                             : (norm ? rotary_cache_kernel<T, false, true> : rotary_cache_kernel<T, false, false>);
  const dim3 grid(static_cast<unsigned>(args.tokens), static_cast<unsigned>(q_blocks + k_blocks));
  kernel<<<grid, threads, 0, stream>>>(args, q_blocks, per_block);
  HS_GPU_CHECK_LAUNCH();
}

template void rotary_cache_launch<bf16>(const RotaryCacheArgs<bf16>&, hipStream_t);
template void rotary_cache_launch<f16>(const RotaryCacheArgs<f16>&, hipStream_t);

void rotary_embedding(const TensorView& positions, const TensorView& q, const TensorView& k,
                      const TensorView& cos_sin_cache, int64_t head_size, bool is_neox, const KvCacheWrite* cache,
                      const QkNorm* qk_norm, hipStream_t stream) {
  const int device = q.device_index;
  check_device_rows(q, "q", device, 2, {DType::bf16, DType::f16});
  check_device_rows(k, "k", device, 2, {q.dtype});
  check_device_rows(positions, "positions", device, 1, {DType::i32});
  HS_CHECK(positions.is_contiguous(), invalid_argument, "positions: must be contiguous");
  check_device_rows(cos_sin_cache, "cos_sin_cache", device, 2, {DType::f32});
  const int64_t tokens = positions.size(0);
  check_dim(q, "q", 0, tokens);
  check_dim(k, "k", 0, tokens);
  HS_CHECK(tokens > 0, empty_batch, "rotary_embedding: no tokens");
  HS_CHECK(tokens <= INT32_MAX, invalid_argument, "positions: at most 2^31 - 1 tokens per call");
  HS_CHECK(head_size > 0 && q.size(1) % head_size == 0 && k.size(1) % head_size == 0 && q.size(1) > 0 &&
               k.size(1) > 0,
           shape_mismatch,
           "head_size " << head_size << " must divide the widths of q (" << q.size(1) << ") and k (" << k.size(1)
                        << ")");
  HS_CHECK(q.size(1) <= INT32_MAX && k.size(1) <= INT32_MAX, invalid_argument, "q, k: rows are too wide");
  HS_CHECK(head_size <= kRotaryMaxHeadSize, invalid_argument,
           "head_size " << head_size << ": at most " << kRotaryMaxHeadSize);
  const int64_t rot_dim = cos_sin_cache.size(1);
  HS_CHECK(rot_dim % 2 == 0 && rot_dim > 0 && rot_dim <= head_size, shape_mismatch,
           "cos_sin_cache: rot_dim " << rot_dim << " must be even, > 0 and at most head_size " << head_size);
  HS_CHECK(cos_sin_cache.size(0) > 0, empty_batch, "cos_sin_cache: no positions");
  if (cache != nullptr) check_cache(*cache, k, device, head_size);
  if (qk_norm != nullptr) check_qk_norm(*qk_norm, q, k, device, head_size);
  DeviceGuard guard(device);
  int32_t* fault = kernel_fault_word(device);
  dispatch_half(q.dtype, [&](auto tag) {
    using T = decltype(tag);
    RotaryCacheArgs<T> args{positions.ptr<int32_t>(), tokens, q.ptr<T>(), q.stride(0),
                            static_cast<int>(q.size(1) / head_size), k.ptr<T>(), k.stride(0),
                            static_cast<int>(k.size(1) / head_size), cos_sin_cache.ptr<float>(),
                            cos_sin_cache.stride(0), cos_sin_cache.size(0), static_cast<int>(rot_dim),
                            static_cast<int>(head_size), is_neox, nullptr, 0, nullptr, nullptr, 0, 0, 0, nullptr, 1,
                            0, fault};
    if (cache != nullptr) {
      const TensorView& kc = cache->key_cache;
      args.v = cache->value.ptr<T>();
      args.v_stride = cache->value.stride(0);
      args.key_cache = kc.ptr<T>();
      args.value_cache = cache->value_cache.ptr<T>();
      args.cache_block_stride = kc.stride(0);
      args.cache_offset_stride = kc.stride(1);
      args.cache_head_stride = kc.stride(2);
      args.slot_mapping = cache->slot_mapping.ptr<int32_t>();
      args.block_size = kc.size(1);
      args.num_slots = kc.size(0) * kc.size(1);
    }
    if (qk_norm != nullptr) {
      args.q_norm_weight = qk_norm->q_weight.ptr<T>();
      args.k_norm_weight = qk_norm->k_weight.ptr<T>();
      args.norm_eps = qk_norm->eps;
    }
    rotary_cache_launch<T>(args, stream);
  });
}

}  // namespace hipserve::gpu
