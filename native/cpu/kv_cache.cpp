// reshape_and_cache: scatter this step's keys/values [T, Hk, D] into the paged caches by slot.
//
//   key_cache [num_blocks, block_size, Hk, D]        slot = block * block_size + offset
//   token t ──slot_mapping[t]──▶ key_cache[slot / block_size, slot % block_size, :, :]
#include <algorithm>
#include <cstring>

#include "checks.h"
#include "hipserve/ops.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

struct CacheWrite {
  const float* src;
  int64_t src_token_stride, src_head_stride;
  float* cache;
  int64_t cache_block_stride, cache_offset_stride, cache_head_stride;
};

void reshape_and_cache_launch(const CacheWrite& k, const CacheWrite& v, const int32_t* slots,
                              int64_t slot_stride, int64_t tokens, int64_t heads, int64_t head_size,
                              int64_t block_size) {
  const size_t row_bytes = static_cast<size_t>(head_size) * sizeof(float);
  auto copy_token = [&](const CacheWrite& w, int64_t t, int64_t block, int64_t offset) {
    for (int64_t h = 0; h < heads; ++h)
      std::memcpy(w.cache + block * w.cache_block_stride + offset * w.cache_offset_stride + h * w.cache_head_stride,
                  w.src + t * w.src_token_stride + h * w.src_head_stride, row_bytes);
  };
  int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(heads * head_size, 1));
  parallel_for(tokens, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t slot = slots[t * slot_stride];
      if (slot < 0) continue;
      copy_token(k, t, slot / block_size, slot % block_size);
      copy_token(v, t, slot / block_size, slot % block_size);
    }
  });
}

void check_same_shape(const TensorView& a, const char* a_name, const TensorView& b, const char* b_name) {
  for (int d = 0; d < a.ndim; ++d)
    HS_CHECK(a.size(d) == b.size(d), shape_mismatch,
             b_name << ": dim " << d << " is " << b.size(d) << ", " << a_name << " has " << a.size(d));
}

CacheWrite cache_write(const TensorView& src, const TensorView& cache) {
  return {src.ptr<float>(), src.stride(0), src.stride(1),
          cache.ptr<float>(), cache.stride(0), cache.stride(1), cache.stride(2)};
}

}  // namespace
}  // namespace cpu

void reshape_and_cache(const TensorView& key, const TensorView& value, const TensorView& key_cache,
                       const TensorView& value_cache, const TensorView& slot_mapping) {
  cpu::check_host_rows(key, "key", 3, {DType::f32});
  cpu::check_host_rows(value, "value", 3, {DType::f32});
  cpu::check_host_rows(key_cache, "key_cache", 4, {DType::f32});
  cpu::check_host_rows(value_cache, "value_cache", 4, {DType::f32});
  cpu::check_cpu(slot_mapping, "slot_mapping");
  cpu::check_dtype(slot_mapping, "slot_mapping", {DType::i32});
  cpu::check_ndim(slot_mapping, "slot_mapping", 1);
  cpu::check_same_shape(key, "key", value, "value");
  cpu::check_same_shape(key_cache, "key_cache", value_cache, "value_cache");
  const int64_t tokens = key.size(0), heads = key.size(1), head_size = key.size(2);
  cpu::check_dim(key_cache, "key_cache", 2, heads);
  cpu::check_dim(key_cache, "key_cache", 3, head_size);
  cpu::check_dim(slot_mapping, "slot_mapping", 0, tokens);
  HS_CHECK(tokens > 0, empty_batch, "reshape_and_cache: no tokens to cache");
  const int64_t block_size = key_cache.size(1);
  const int64_t num_slots = key_cache.size(0) * block_size;
  const int32_t* slots = slot_mapping.ptr<int32_t>();
  for (int64_t t = 0; t < tokens; ++t) {
    int64_t slot = slots[t * slot_mapping.stride(0)];
    HS_CHECK(slot < num_slots, out_of_bounds,
             "slot_mapping[" << t << "] = " << slot << " is outside the cache's " << num_slots << " slots");
  }
  if (heads == 0 || head_size == 0) return;
  cpu::reshape_and_cache_launch(cpu::cache_write(key, key_cache), cpu::cache_write(value, value_cache), slots,
                                slot_mapping.stride(0), tokens, heads, head_size, block_size);
}

}  // namespace hipserve
