#include "hip/rotary_cache.h"

#include <optional>

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

// gpuRotaryEmbedding(positions, q, k, cosSinCache, headSize, isNeox, cache?) with
// cache = { value, keyCache, valueCache, slotMapping } to write the step's keys and values as well.
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
  return device_call(q.device_index, [=](hipStream_t s) {
    if (!with_cache) return gpu::rotary_embedding(positions, q, k, cos_sin, head_size, is_neox, nullptr, s);
    const gpu::KvCacheWrite cache{*value, *key_cache, *value_cache, *slots};
    gpu::rotary_embedding(positions, q, k, cos_sin, head_size, is_neox, &cache, s);
  });
}
HS_BINDING(gpuRotaryEmbedding, prepare_gpu_rotary_embedding);

}  // namespace hipserve::bind
