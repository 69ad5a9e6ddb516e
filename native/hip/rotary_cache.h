// Rotary position embedding on the GPU, fused with the KV-cache write of the step (vLLM's rotary_embedding
// followed by reshape_and_cache, in one pass over the step's q/k/v).
//
//   q [T, Hq*D], k [T, Hk*D]: rotated in place by positions[T] (i32), with cos_sin_cache [max_position,
//   rot_dim] f32 holding cos in its first rot_dim/2 columns and sin in the rest; rot_dim <= D rotates the first
//   rot_dim dims of each head (partial rotary). is_neox: pairs (i, i + rot_dim/2); else GPT-J pairs (2i, 2i+1).
//   Then, when a cache is given: rotated k and v [T, Hk*D] go to key_cache/value_cache [num_blocks,
//   block_size, Hk, D] at slot_mapping[T] (i32, slot = block * block_size + offset; a negative slot skips the
//   token, as for padding). q, k, v and the caches share one dtype, bf16 or f16.
//
//   With a QkNorm (Qwen3, GLM-4.5), each head's D values of q and of k are first RMS-normalized in the same pass:
//   x / sqrt(mean(x²) + eps) * weight, weights [D] in q's dtype shared by all heads, rounded to the dtype, exactly
//   what rms_norm over q, k viewed as [T*H, D] rows and then this op would give; the whole head (the unrotated
//   tail too) is written back, and k's to the cache.
//
// Out-of-range positions (the token is left as is) and slots (not cached) raise kernel faults.
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

template <typename T>
struct RotaryCacheArgs {
  const int32_t* positions;
  int64_t tokens;
  T* q;
  int64_t q_stride;
  int q_heads;
  T* k;
  int64_t k_stride;
  int k_heads;
  const float* cos_sin;
  int64_t cos_sin_stride;
  int64_t max_position;
  int rot_dim;
  int head_size;
  bool is_neox;
  // The cache write; key_cache == nullptr skips it.
  const T* v;
  int64_t v_stride;
  T* key_cache;
  T* value_cache;
  int64_t cache_block_stride, cache_offset_stride, cache_head_stride;  // shared by both caches
  const int32_t* slot_mapping;
  int64_t block_size;
  int64_t num_slots;
  int32_t* fault;
  // The per-head RMSNorm; q_norm_weight == nullptr skips it.
  const T* q_norm_weight = nullptr;
  const T* k_norm_weight = nullptr;
  float norm_eps = 0.0f;
};

template <typename T>
void rotary_cache_launch(const RotaryCacheArgs<T>& args, hipStream_t stream);

struct KvCacheWrite {
  const TensorView& value;        // [T, Hk*D]
  const TensorView& key_cache;    // [num_blocks, block_size, Hk, D]
  const TensorView& value_cache;  // same shape and strides as key_cache
  const TensorView& slot_mapping; // [T] i32
};

struct QkNorm {
  const TensorView& q_weight;  // [D]
  const TensorView& k_weight;  // [D]
  float eps;
};

void rotary_embedding(const TensorView& positions, const TensorView& q, const TensorView& k,
                      const TensorView& cos_sin_cache, int64_t head_size, bool is_neox, const KvCacheWrite* cache,
                      const QkNorm* qk_norm, hipStream_t stream);

}  // namespace hipserve::gpu
