#include "hip/paged_decode.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "cpu/attention_params_check.h"
#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/launch.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/device_allocator.h"
#include "runtime/env.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

constexpr int kHeadSizes[] = {64, 80, 96, 128, 256};

bool supported_head_size(int64_t d) {
  return std::find(std::begin(kHeadSizes), std::end(kHeadSizes), d) != std::end(kHeadSizes);
}

void check_views(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                 const TensorView& seq_lens, const TensorView& block_tables, const TensorView* sinks,
                 const TensorView& out) {
  const int device = q.device_index;
  check_device_rows(q, "q", device, 3, {DType::bf16, DType::f16});
  check_device_rows(key_cache, "key_cache", device, 4, {q.dtype});
  check_device_rows(value_cache, "value_cache", device, 4, {q.dtype});
  check_device_rows(seq_lens, "seq_lens", device, 1, {DType::i32});
  HS_CHECK(seq_lens.is_contiguous(), invalid_argument, "seq_lens: must be contiguous");
  check_device_rows(block_tables, "block_tables", device, 2, {DType::i32});
  check_device_rows(out, "out", device, 3, {q.dtype});
  const int64_t num_seqs = q.size(0), num_heads = q.size(1), head_size = q.size(2);
  HS_CHECK(num_seqs > 0, empty_batch, "paged_decode_attention: no sequences");
  HS_CHECK(num_seqs <= 65535, invalid_argument, "q: at most 65535 sequences per call, got " << num_seqs);
  HS_CHECK(supported_head_size(head_size), unsupported,
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
  check_dim(seq_lens, "seq_lens", 0, num_seqs);
  check_dim(block_tables, "block_tables", 0, num_seqs);
  HS_CHECK(block_tables.size(1) > 0, empty_batch, "block_tables: no columns");
  for (int d = 0; d < 3; ++d) check_dim(out, "out", d, q.size(d));
  if (sinks != nullptr) {
    check_device_rows(*sinks, "sinks", device, 1, {DType::f32});
    check_dim(*sinks, "sinks", 0, num_heads);
  }
  // Row starts are read 16 bytes at a time.
  HS_CHECK(rows_aligned(q, 16) && rows_aligned(key_cache, 16) && rows_aligned(value_cache, 16), invalid_argument,
           "q, key_cache, value_cache: rows must start on 16-byte boundaries");
}

// (sequence, head group) pairs of a launch whose blocks take up to heads_per_block query heads of one KV head.
int64_t decode_pairs(int num_seqs, int num_kv_heads, int group_size, int heads_per_block) {
  return int64_t{num_seqs} * num_kv_heads * ((group_size + heads_per_block - 1) / heads_per_block);
}

}  // namespace

DecodePath choose_decode_path(int group_size, int head_size, int num_seqs, int num_kv_heads, int compute_units) {
  static const std::string forced = env_string("HIPSERVE_PAGED_DECODE");
  // HIPSERVE_PAGED_DECODE_RESIDENT=n plans partitions for n resident blocks per CU instead (a benchmark knob).
  static const int resident = [] {
    const std::string v = env_string("HIPSERVE_PAGED_DECODE_RESIDENT");
    return v.empty() ? 0 : std::max(1, std::atoi(v.c_str()));
  }();
  const bool mma_fits = head_size == 64 || head_size == 128;
  const bool by_default = group_size >= kDecodeMmaMinGroup || (group_size >= 4 && num_seqs <= kDecodeMmaSmallBatch);
  const bool mma = mma_fits && (forced == "mma" || (forced != "v4" && by_default));
  if (mma) {
    const int64_t pairs = decode_pairs(num_seqs, num_kv_heads, group_size, kDecodeMmaHeads);
    const int waves = 2 * pairs <= compute_units ? kDecodeMmaWideWaves : kDecodeMmaWaves;
    return {true, kDecodeMmaHeads, resident > 0 ? resident : decode_mma_blocks_per_cu(waves), kDecodeMmaMaxPartitions,
            waves};
  }
  return {false, kDecodeMaxGroup, resident > 0 ? resident : kDecodeBlocksPerCu, kDecodeMaxPartitions, 0};
}

int plan_decode_partitions(const DecodePath& path, int num_seqs, int num_kv_heads, int group_size, int max_seq_len,
                           int sliding_window, int compute_units) {
  const int span = sliding_window > 0 ? std::min(max_seq_len, sliding_window) : max_seq_len;
  const int most = std::clamp((span + kDecodeMinPartition - 1) / kDecodeMinPartition, 1, path.max_partitions);
  const int64_t blocks = decode_pairs(num_seqs, num_kv_heads, group_size, path.heads_per_block);
  if (blocks > kDecodeCounters) return 1;
  const int64_t resident = int64_t{compute_units} * path.blocks_per_cu;
  return static_cast<int>(std::clamp<int64_t>(resident / blocks, 1, most));
}

void paged_decode_attention(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                            const TensorView& seq_lens, const TensorView& block_tables, int64_t max_seq_len,
                            const TensorView* sinks, const AttentionParams& params, const TensorView& out,
                            hipStream_t stream) {
  check_views(q, key_cache, value_cache, seq_lens, block_tables, sinks, out);
  cpu::check_attention_params(params);
  const int64_t block_size = key_cache.size(1), max_blocks = block_tables.size(1);
  HS_CHECK(max_seq_len >= 1 && max_seq_len <= block_size * max_blocks && max_seq_len <= INT32_MAX, invalid_argument,
           "max_seq_len " << max_seq_len << " must be in [1, " << block_size * max_blocks
                          << "] (block_size × block_tables columns)");
  const int device = q.device_index;
  DeviceGuard guard(device);
  const int num_seqs = static_cast<int>(q.size(0)), num_heads = static_cast<int>(q.size(1));
  const int num_kv_heads = static_cast<int>(key_cache.size(2)), head_size = static_cast<int>(q.size(2));
  const int compute_units = device_caps(device).compute_units;
  const DecodePath path = choose_decode_path(num_heads / num_kv_heads, head_size, num_seqs, num_kv_heads,
                                             compute_units);
  const int num_partitions = plan_decode_partitions(path, num_seqs, num_kv_heads, num_heads / num_kv_heads,
                                                    static_cast<int>(max_seq_len), params.sliding_window,
                                                    compute_units);
  DeviceAllocation partials;
  const size_t rows = static_cast<size_t>(num_seqs) * num_heads * num_partitions;
  if (num_partitions > 1) partials = DeviceAllocation(rows * (head_size + 2) * sizeof(float), device, stream);
  float* acc = static_cast<float*>(partials.data());
  dispatch_half(q.dtype, [&](auto tag) {
    using T = decltype(tag);
    const DecodeAttentionArgs<T> args{
        q.ptr<T>(), q.stride(0), q.stride(1),
        key_cache.ptr<T>(), value_cache.ptr<T>(), key_cache.stride(0), key_cache.stride(1), key_cache.stride(2),
        key_cache.size(0), static_cast<int>(block_size), block_shift_of(block_size),
        seq_lens.ptr<int32_t>(), block_tables.ptr<int32_t>(), block_tables.stride(0), static_cast<int>(max_blocks),
        static_cast<int>(max_seq_len), num_heads, num_kv_heads, params.scale, params.softcap, params.sliding_window,
        sinks != nullptr ? sinks->ptr<float>() : nullptr,
        out.ptr<T>(), out.stride(0), out.stride(1), num_seqs, num_partitions,
        acc, acc == nullptr ? nullptr : acc + rows * head_size, acc == nullptr ? nullptr : acc + rows * (head_size + 1),
        kernel_fault_word(device)};
    if (path.mma)
      paged_decode_mma_launch<T>(args, head_size, path.waves, stream);
    else
      paged_decode_launch<T>(args, head_size, stream);
  });
  // `partials` goes back to the cache for this stream: later work on the stream runs after these kernels.
}

}  // namespace hipserve::gpu
