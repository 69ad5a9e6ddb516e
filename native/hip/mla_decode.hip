#include "hip/mla_decode.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/launch.h"
#include "runtime/device.h"
#include "runtime/device_allocator.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

constexpr int kMlaMaxPartitions = 1024;

// The cache as [num_blocks, block_size, R + L]: a head dim of 1 is dropped.
struct LatentCache {
  int64_t num_blocks, block_size, width, block_stride, offset_stride;
};

LatentCache check_views(const TensorView& q, const TensorView& cache, const TensorView& query_start_loc,
                        const TensorView& seq_lens, const TensorView& block_tables, const TensorView& out) {
  const int device = q.device_index;
  check_device_rows(q, "q", device, 3, {DType::bf16, DType::f16});
  check_on_gpu(cache, "latent_cache", device);
  check_dtype(cache, "latent_cache", {q.dtype});
  HS_CHECK(cache.ndim == 3 || (cache.ndim == 4 && cache.size(2) == 1), shape_mismatch,
           "latent_cache: expected [num_blocks, block_size, (1,) R + L]");
  check_rows_dense(cache, "latent_cache");
  check_device_rows(query_start_loc, "query_start_loc", device, 1, {DType::i32});
  check_device_rows(seq_lens, "seq_lens", device, 1, {DType::i32});
  check_device_rows(block_tables, "block_tables", device, 2, {DType::i32});
  check_device_rows(out, "out", device, 3, {q.dtype});
  const int64_t num_tokens = q.size(0), num_heads = q.size(1), width = q.size(2);
  const int64_t num_seqs = seq_lens.size(0), latent = out.size(2), rope = width - latent;
  HS_CHECK(num_tokens > 0 && num_seqs > 0 && num_heads > 0, empty_batch,
           "mla_attention: " << num_tokens << " tokens of " << num_heads << " heads in " << num_seqs << " sequences");
  HS_CHECK(num_seqs <= 65535, invalid_argument, "seq_lens: at most 65535 sequences per call, got " << num_seqs);
  HS_CHECK(num_tokens * num_heads <= INT_MAX, invalid_argument, "q: too many (token, head) rows");
  check_dim(out, "out", 0, num_tokens);
  check_dim(out, "out", 1, num_heads);
  HS_CHECK(latent >= 16 && latent <= kMlaMaxLatent && latent % 16 == 0, unsupported,
           "out: kv_lora_rank " << latent << " is not a multiple of 16 in [16, " << kMlaMaxLatent << "]");
  HS_CHECK(rope >= 0 && rope <= kMlaMaxRope && rope % 8 == 0, unsupported,
           "q: " << width << " values per head leave " << rope << " rope dims beside out's " << latent
                 << "; expected a multiple of 8 in [0, " << kMlaMaxRope << "]");
  check_dim(cache, "latent_cache", cache.ndim - 1, width);
  HS_CHECK(cache.size(0) > 0 && cache.size(1) > 0, empty_batch, "latent_cache: no blocks");
  HS_CHECK(query_start_loc.is_contiguous() && seq_lens.is_contiguous(), invalid_argument,
           "query_start_loc, seq_lens: must be contiguous");
  check_dim(query_start_loc, "query_start_loc", 0, num_seqs + 1);
  check_dim(block_tables, "block_tables", 0, num_seqs);
  HS_CHECK(block_tables.size(1) > 0, empty_batch, "block_tables: no columns");
  HS_CHECK(rows_aligned(q, 16) && rows_aligned(cache, 16), invalid_argument,
           "q, latent_cache: rows must start on 16-byte boundaries");
  return {cache.size(0), cache.size(1), width, cache.stride(0), cache.stride(1)};
}

}  // namespace

int plan_mla_partitions(int num_seqs, int num_heads, int max_query_len, int max_seq_len, int compute_units,
                        int requested) {
  const int most = std::clamp((max_seq_len + kMlaMinPartition - 1) / kMlaMinPartition, 1, kMlaMaxPartitions);
  if (requested > 0) return std::min(requested, most);
  const int64_t row_tiles = (int64_t{max_query_len} * num_heads + kMlaRows - 1) / kMlaRows;
  const int64_t blocks = row_tiles * num_seqs;
  const int64_t resident = int64_t{compute_units} * kMlaBlocksPerCu;
  return static_cast<int>(std::clamp<int64_t>((resident + blocks - 1) / blocks, 1, most));
}

void mla_attention(const TensorView& q, const TensorView& latent_cache, const TensorView& query_start_loc,
                   const TensorView& seq_lens, const TensorView& block_tables, int64_t max_query_len,
                   int64_t max_seq_len, float scale, int64_t num_partitions, const TensorView& out,
                   hipStream_t stream) {
  const LatentCache c = check_views(q, latent_cache, query_start_loc, seq_lens, block_tables, out);
  const int64_t num_tokens = q.size(0), max_blocks = block_tables.size(1);
  HS_CHECK(std::isfinite(scale), invalid_argument, "scale: must be finite");
  HS_CHECK(num_partitions >= 0 && num_partitions <= kMlaMaxPartitions, invalid_argument,
           "numPartitions " << num_partitions << " must be in [0, " << kMlaMaxPartitions << "] (0: planned)");
  HS_CHECK(max_query_len >= 1 && max_query_len <= num_tokens, invalid_argument,
           "max_query_len " << max_query_len << " must be in [1, " << num_tokens << "] (q's tokens)");
  HS_CHECK(max_seq_len >= max_query_len && max_seq_len <= c.block_size * max_blocks && max_seq_len <= INT32_MAX,
           invalid_argument,
           "max_seq_len " << max_seq_len << " must be in [max_query_len, " << c.block_size * max_blocks
                          << "] (block_size × block_tables columns)");
  const int device = q.device_index;
  DeviceGuard guard(device);
  const int num_seqs = static_cast<int>(seq_lens.size(0)), num_heads = static_cast<int>(q.size(1));
  const int latent = static_cast<int>(out.size(2));
  const int partitions = plan_mla_partitions(num_seqs, num_heads, static_cast<int>(max_query_len),
                                             static_cast<int>(max_seq_len), device_caps(device).compute_units,
                                             static_cast<int>(num_partitions));
  DeviceAllocation partials;
  const size_t slots = static_cast<size_t>(num_tokens) * num_heads * partitions;
  if (partitions > 1) partials = DeviceAllocation(slots * (latent + 2) * sizeof(float), device, stream);
  float* acc = static_cast<float*>(partials.data());
  dispatch_half(q.dtype, [&](auto tag) {
    using T = decltype(tag);
    const MlaAttentionArgs<T> args{
        q.ptr<T>(), q.stride(0), q.stride(1),
        latent_cache.ptr<T>(), c.block_stride, c.offset_stride, c.num_blocks, static_cast<int>(c.block_size),
        block_shift_of(c.block_size),
        query_start_loc.ptr<int32_t>(), seq_lens.ptr<int32_t>(), block_tables.ptr<int32_t>(), block_tables.stride(0),
        static_cast<int>(max_blocks), static_cast<int>(num_tokens), num_seqs, num_heads,
        static_cast<int>(max_query_len), static_cast<int>(max_seq_len), static_cast<int>(c.width - latent), latent,
        scale, out.ptr<T>(), out.stride(0), out.stride(1), partitions,
        acc, acc == nullptr ? nullptr : acc + slots * latent, acc == nullptr ? nullptr : acc + slots * (latent + 1),
        kernel_fault_word(device)};
    mla_attention_launch<T>(args, stream);
  });
  // `partials` goes back to the cache for this stream: later work on the stream runs after these kernels.
}

}  // namespace hipserve::gpu
