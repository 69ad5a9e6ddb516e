// The latent attention step's per-token preparation on the GPU, in one pass (DeepSeek-V3's kv_a_layernorm,
// rotary embedding of q_pe and k_pe, and the latent-cache write):
//
//   kv [T, L + R]: kv_a_proj_with_mqa's output per token, c_kv then k_pe;
//   latent_cache[slot_mapping[t]] = [ rope(k_pe) | c_kv / sqrt(mean(c_kv²) + eps) · kv_norm_weight ]   (R + L)
//   q [T, H, nope + R]: per head q_nope then q_pe;  q_abs[t, h, :R] = rope(q_pe)  (the rest of q_abs untouched)
//
// positions [T] i32; cos_sin_cache [max_position, R] f32 (cos in its first R/2 columns, sin in the rest, as for
// rotary_embedding); is_neox pairs (i, i + R/2), else GPT-J pairs (2i, 2i + 1) (DeepSeek's rope_interleave).
// latent_cache [num_blocks, block_size, (1,) R + L]; a negative slot skips the write (padding). q, kv, the
// weight, q_abs and the cache share one dtype, bf16 or f16; the norm is f32 and rounded once.
//
// Out-of-range positions (the token is skipped) and slots (not cached) raise kernel faults.
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

template <typename T>
struct MlaRopeCacheArgs {
  const int32_t* positions;
  int64_t tokens;
  const T* q;
  int64_t q_token_stride, q_head_stride;
  int num_heads, nope_dim;
  const T* kv;
  int64_t kv_stride;
  const T* kv_norm_weight;
  float eps;
  int latent_dim, rope_dim;
  const float* cos_sin;
  int64_t cos_sin_stride, max_position;
  bool is_neox;
  const int32_t* slot_mapping;
  T* q_abs;
  int64_t q_abs_token_stride, q_abs_head_stride;
  T* cache;
  int64_t cache_block_stride, cache_offset_stride, block_size, num_slots;
  int32_t* fault;
};

template <typename T>
void mla_rope_cache_launch(const MlaRopeCacheArgs<T>& args, hipStream_t stream);

void mla_rope_cache(const TensorView& positions, const TensorView& q, const TensorView& kv,
                    const TensorView& kv_norm_weight, float eps, const TensorView& cos_sin_cache, bool is_neox,
                    const TensorView& slot_mapping, const TensorView& q_abs, const TensorView& latent_cache,
                    hipStream_t stream);

}  // namespace hipserve::gpu
