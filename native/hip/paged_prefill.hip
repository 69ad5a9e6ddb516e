#include "hip/paged_prefill.h"

#include <algorithm>
#include <climits>

#include "cpu/attention_params_check.h"
#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/launch.h"
#include "runtime/device.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

constexpr int64_t kHeadSizes[] = {64, 80, 96, 128, 256};

void check_views(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                 const TensorView& query_start_loc, const TensorView& seq_lens, const TensorView& block_tables,
                 const TensorView* sinks, const TensorView& out) {
  const int device = q.device_index;
  check_device_rows(q, "q", device, 3, {DType::bf16, DType::f16});
  check_device_rows(key_cache, "key_cache", device, 4, {q.dtype});
  check_device_rows(value_cache, "value_cache", device, 4, {q.dtype});
  check_device_rows(query_start_loc, "query_start_loc", device, 1, {DType::i32});
  check_device_rows(seq_lens, "seq_lens", device, 1, {DType::i32});
  check_device_rows(block_tables, "block_tables", device, 2, {DType::i32});
  check_device_rows(out, "out", device, 3, {q.dtype});
  const int64_t num_tokens = q.size(0), num_heads = q.size(1), head_size = q.size(2);
  const int64_t num_seqs = seq_lens.size(0);
  HS_CHECK(num_tokens > 0 && num_seqs > 0, empty_batch,
           "paged_attention: " << num_tokens << " tokens in " << num_seqs << " sequences");
  HS_CHECK(num_seqs <= 65535, invalid_argument, "seq_lens: at most 65535 sequences per call, got " << num_seqs);
  HS_CHECK(num_tokens <= INT32_MAX, invalid_argument, "q: too many tokens");
  HS_CHECK(std::find(std::begin(kHeadSizes), std::end(kHeadSizes), head_size) != std::end(kHeadSizes), unsupported,
           "q: head size " << head_size << " is not one of 64, 80, 96, 128, 256");
  for (int d = 0; d < 4; ++d) {
    check_dim(value_cache, "value_cache", d, key_cache.size(d));
    HS_CHECK(value_cache.stride(d) == key_cache.stride(d), invalid_argument,
             "value_cache: strides differ from key_cache's");
  }
  check_dim(key_cache, "key_cache", 3, head_size);
  const int64_t num_kv_heads = key_cache.size(2);
  HS_CHECK(key_cache.size(0) > 0 && key_cache.size(1) > 0, empty_batch, "key_cache: no blocks");
  HS_CHECK(num_kv_heads > 0 && num_heads % num_kv_heads == 0, shape_mismatch,
           "q has " << num_heads << " heads, not a multiple of the caches' " << num_kv_heads << " KV heads");
  HS_CHECK(num_kv_heads <= 65535, invalid_argument, "key_cache: at most 65535 KV heads");
  HS_CHECK(query_start_loc.is_contiguous() && seq_lens.is_contiguous(), invalid_argument,
           "query_start_loc, seq_lens: must be contiguous");
  check_dim(query_start_loc, "query_start_loc", 0, num_seqs + 1);
  check_dim(block_tables, "block_tables", 0, num_seqs);
  HS_CHECK(block_tables.size(1) > 0, empty_batch, "block_tables: no columns");
  for (int d = 0; d < 3; ++d) check_dim(out, "out", d, q.size(d));
  if (sinks != nullptr) {
    check_device_rows(*sinks, "sinks", device, 1, {DType::f32});
    check_dim(*sinks, "sinks", 0, num_heads);
  }
  // Rows are read 16 bytes at a time.
  HS_CHECK(rows_aligned(q, 16) && rows_aligned(key_cache, 16) && rows_aligned(value_cache, 16), invalid_argument,
           "q, key_cache, value_cache: rows must start on 16-byte boundaries");
}

}  // namespace

void paged_attention(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                     const TensorView& query_start_loc, const TensorView& seq_lens, const TensorView& block_tables,
                     int64_t max_query_len, int64_t max_seq_len, const TensorView* sinks,
                     const AttentionParams& params, const TensorView& out, hipStream_t stream) {
  check_views(q, key_cache, value_cache, query_start_loc, seq_lens, block_tables, sinks, out);
  cpu::check_attention_params(params);
  const int64_t num_tokens = q.size(0), block_size = key_cache.size(1), max_blocks = block_tables.size(1);
  HS_CHECK(max_query_len >= 1 && max_query_len <= num_tokens, invalid_argument,
           "max_query_len " << max_query_len << " must be in [1, " << num_tokens << "] (q's tokens)");
  HS_CHECK(max_seq_len >= max_query_len && max_seq_len <= block_size * max_blocks && max_seq_len <= INT32_MAX,
           invalid_argument,
           "max_seq_len " << max_seq_len << " must be in [max_query_len, " << block_size * max_blocks
                          << "] (block_size × block_tables columns)");
  const int device = q.device_index;
  DeviceGuard guard(device);
  dispatch_half(q.dtype, [&](auto tag) {
    using T = decltype(tag);
    const PrefillAttentionArgs<T> args{
        q.ptr<T>(), q.stride(0), q.stride(1),
        key_cache.ptr<T>(), value_cache.ptr<T>(), key_cache.stride(0), key_cache.stride(1), key_cache.stride(2),
        key_cache.size(0), static_cast<int>(block_size), block_shift_of(block_size),
        query_start_loc.ptr<int32_t>(), seq_lens.ptr<int32_t>(), block_tables.ptr<int32_t>(), block_tables.stride(0),
        static_cast<int>(max_blocks), static_cast<int>(num_tokens), static_cast<int>(max_query_len),
        static_cast<int>(max_seq_len), static_cast<int>(q.size(1)), static_cast<int>(key_cache.size(2)),
        params.scale, params.softcap, params.sliding_window, sinks != nullptr ? sinks->ptr<float>() : nullptr,
        out.ptr<T>(), out.stride(0), out.stride(1), static_cast<int>(seq_lens.size(0)), kernel_fault_word(device)};
    paged_prefill_launch<T>(args, static_cast<int>(q.size(2)), stream);
  });
}

}  // namespace hipserve::gpu
