#include "hip/rotary_cache.h"

#include <cmath>
#include <optional>

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

// gpuRotaryEmbedding(positions, q, k, cosSinCache, headSize, isNeox, cache?, qkNorm?) with
// cache = { value, keyCache, valueCache, slotMapping } to write the step's keys and values as well, and
// qkNorm = { q, k, eps } (weights [headSize]) to RMS-normalize each head of q and k before the rotation.
static PreparedCall prepare_gpu_rotary_embedding(Args& a) {
  TensorView positions = device_tensor(a, 0, "positions"), q = device_tensor(a, 1, "q");
  TensorView k = device_tensor(a, 2, "k"), cos_sin = device_tensor(a, 3, "cosSinCache");
  int64_t head_size = a.integer(4, "headSize");
  bool is_neox = a.boolean(5, "isNeox");
  std::optional<TensorView> value = device_tensor_field(a, 6, "value");
  std::optional<TensorView> key_cache = device_tensor_field(a, 6, "keyCache");
  std::optional<TensorView> value_cache = device_tensor_field(a, 6, "valueCache");
  std::optional<TensorView> slots = device_tensor_field(a, 6, "slotMapping");
  const bool with_cache = value || key_cache || value_cache || slots;
  if (with_cache && !(value && key_cache && value_cache && slots))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "cache: needs value, keyCache, valueCache and slotMapping");
  std::optional<TensorView> q_norm = device_tensor_field(a, 7, "q");
  std::optional<TensorView> k_norm = device_tensor_field(a, 7, "k");
  const float eps = static_cast<float>(a.number_field(7, "eps", NAN));
  const bool with_norm = q_norm || k_norm;
  if (with_norm && !(q_norm && k_norm))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "qkNorm: needs q, k (the weights) and eps");
  return device_call(q.device_index, [=](hipStream_t s) {
    const gpu::KvCacheWrite* cache = nullptr;
    std::optional<gpu::KvCacheWrite> cache_args;
    if (with_cache) cache = &cache_args.emplace(gpu::KvCacheWrite{*value, *key_cache, *value_cache, *slots});
    std::optional<gpu::QkNorm> norm_args;
    const gpu::QkNorm* norm = with_norm ? &norm_args.emplace(gpu::QkNorm{*q_norm, *k_norm, eps}) : nullptr;
    gpu::rotary_embedding(positions, q, k, cos_sin, head_size, is_neox, cache, norm, s);
  });
}
HS_BINDING(gpuRotaryEmbedding, prepare_gpu_rotary_embedding);

}  // namespace hipserve::bind
