// Paged attention for mixed batches on the GPU (prefill chunks, extends after a prefix-cache hit and single-token
// decodes in one call), flash-attention-2 style on matrix cores (matrix_core.h).
//
//   q [T, Hq, D]; key_cache/value_cache [num_blocks, block_size, Hk, D]; query_start_loc [B+1] i32 (sequence b
//   owns tokens [query_start_loc[b], query_start_loc[b+1]) of q); seq_lens [B] i32 (its queries are the last
//   tokens of its seq_lens[b]-token context); block_tables [B, max_blocks] i32; out [T, Hq, D]. q, caches and out
//   share one dtype, bf16 or f16; scores, softmax and accumulators are f32. sinks [Hq] f32 (optional) adds one
//   logit per head to the softmax denominator. D is one of 64, 80, 96, 128, 256.
//
//   grid (row tiles, Hk, B), one block of 4 waves per tile of 64 rows of one sequence and one KV head:
//     rows = the sequence's (query token, query head of the KV head's group) pairs, token-major, so a tile's
//     K/V tiles serve every query head of the group;
//     for each tile of keys the rows can see (causal, sliding window):
//       K, V tile (paged) ─▶ shared ─▶ S = Q·Kᵀ (matrix cores, f32) ─▶ mask, scale, softcap ─▶ online softmax
//       ─▶ P (rounded to T) ─▶ O += P·V (matrix cores)
//     out = O / (row sum [+ e^(sink − max)])
//   The grid depends only on host values (max_query_len), so a launch can be captured into a graph.
//
// Bad device metadata (query_start_loc not starting at 0, decreasing, past T or a query longer than
// max_query_len; seq_lens shorter than the query, longer than max_seq_len or its block table; block-table
// entries outside the cache) raises kernel faults; the sequence (or the key) is skipped.
#pragma once
#include <cstdint>

#include "hipserve/ops.h"
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

template <typename T>
struct PrefillAttentionArgs {
  const T* q;
  int64_t q_token_stride, q_head_stride;
  const T* key_cache;
  const T* value_cache;
  int64_t cache_block_stride, cache_offset_stride, cache_head_stride;  // shared by both caches
  int64_t num_blocks;
  int block_size;
  int block_shift;  // log2(block_size) when it is a power of two (a shift instead of a division), else -1
  const int32_t* query_start_loc;
  const int32_t* seq_lens;
  const int32_t* block_tables;
  int64_t block_table_stride;
  int max_blocks_per_seq;
  int num_tokens;
  int max_query_len;
  int max_seq_len;
  int num_heads, num_kv_heads;
  float scale;
  float softcap;       // > 0: score = softcap * tanh(score / softcap)
  int sliding_window;  // > 0: a query at position p sees keys at positions > p - sliding_window
  const float* sinks;  // [Hq] or null
  T* out;
  int64_t out_token_stride, out_head_stride;
  int num_seqs;
  int32_t* fault;
};

constexpr int kPrefillRows = 64;  // rows (token × group head) per block: 4 waves of 16

template <typename T>
void paged_prefill_launch(const PrefillAttentionArgs<T>& args, int head_size, hipStream_t stream);

// The entry: validates every view and the host bounds. max_query_len bounds the query lengths and
// max_seq_len the sequence lengths (the host knows both without reading device memory).
void paged_attention(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                     const TensorView& query_start_loc, const TensorView& seq_lens, const TensorView& block_tables,
                     int64_t max_query_len, int64_t max_seq_len, const TensorView* sinks,
                     const AttentionParams& params, const TensorView& out, hipStream_t stream);

}  // namespace hipserve::gpu
