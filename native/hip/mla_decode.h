// Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2) over a paged latent cache, in the absorbed form: every
// query head attends to the one latent row each token caches (MQA whose key is the whole row and whose value is
// its c_kv part), so the cache is read once per tile of query heads and never decompressed.
//
//   q [T, H, R + L]: per head the roped q_pe then q_nope·W_UK, in the order of the cache rows;
//   latent_cache [num_blocks, block_size, (1,) R + L]: per token its roped k_pe then its normalized c_kv;
//   query_start_loc [B+1] i32, seq_lens [B] i32, block_tables [B, max_blocks] i32 as for paged attention (the
//   queries of sequence b are the last tokens of its context; causal: a token at position p sees keys <= p);
//   out [T, H, L] = softmax(q · latentᵀ · scale) · latent[:, R:]. q, cache and out share one dtype, bf16 or f16;
//   scores, softmax and sums are f32. L = kv_lora_rank: a multiple of 16 up to 512; R = rope dims: a multiple of
//   8 up to 64 (R is out's last dim subtracted from q's).
//
//   grid (row tiles, B, partitions), one block of kMlaWaves waves per tile of kMlaRows rows of one sequence
//   (rows = (query token, head) pairs, token-major, so a decode step's heads share every latent tile) and one
//   partition of its keys (split-K, flash-decoding):
//     for each tile of kMlaKeys keys (cp.async ring on NVIDIA):
//       S = Q·Kᵀ on matrix cores (waves split S's 16×16 tiles, and the depth where tiles are few)
//       ─▶ mask, scale, online softmax per row ─▶ P (rounded to T)
//       ─▶ O = O·alpha + P·V on matrix cores, V read from the same tile (each wave owns 64 of L's columns)
//     one partition: out = O / sum; several: partial (O, max, sum) ─▶ combine kernel per row.
//   The grid and the partition count depend only on host arguments (max_query_len, B, H, max_seq_len), so a
//   launch can be captured into a graph and replayed for any shorter lengths.
//
// Bad device metadata (query_start_loc, seq_lens, block-table entries) raises kernel faults and is skipped.
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/arch.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

template <typename T>
struct MlaAttentionArgs {
  const T* q;
  int64_t q_token_stride, q_head_stride;
  const T* cache;
  int64_t cache_block_stride, cache_offset_stride;
  int64_t num_blocks;
  int block_size;
  int block_shift;  // log2(block_size) when a power of two, else -1
  const int32_t* query_start_loc;
  const int32_t* seq_lens;
  const int32_t* block_tables;
  int64_t block_table_stride;
  int max_blocks_per_seq;
  int num_tokens, num_seqs, num_heads;
  int max_query_len, max_seq_len;
  int rope_dim, latent_dim;  // R and L; a row is R + L wide
  float scale;
  T* out;
  int64_t out_token_stride, out_head_stride;
  int num_partitions;
  float* partial_acc;  // [T, H, partitions, L], unnormalised
  float* partial_max;  // [T, H, partitions]
  float* partial_sum;  // [T, H, partitions]
  int32_t* fault;
};

// A block: kMlaWaves waves over kMlaRows query rows, kMlaKeys keys per tile, kMlaStages tiles in flight. NVIDIA
// takes 64 rows (a DeepSeek decode step's 128 heads read each tile twice) in about 200 KiB of shared memory, one
// block per SM; CDNA's 64 KiB take 16 rows and 16 keys, loaded without a ring.
constexpr int kMlaWaves = 8;
#if HS_WAVE_SIZE == 32
constexpr int kMlaRows = 64, kMlaKeys = 32, kMlaStages = 3;
#else
constexpr int kMlaRows = 16, kMlaKeys = 16, kMlaStages = 1;
#endif
constexpr int kMlaBlocksPerCu = 1;
constexpr int kMlaMaxLatent = 512;
constexpr int kMlaMaxRope = 64;
constexpr int kMlaMinPartition = 128;  // keys; partitions are whole key tiles of at least this many

// Partitions per sequence from host arguments only: about one wave of resident blocks, at most one per
// kMlaMinPartition keys of max_seq_len. requested > 0 overrides (clamped to that range; for tests and benches).
int plan_mla_partitions(int num_seqs, int num_heads, int max_query_len, int max_seq_len, int compute_units,
                        int requested);

template <typename T>
void mla_attention_launch(const MlaAttentionArgs<T>& args, hipStream_t stream);

// The entry: validates every view, plans the partitions, takes the partial buffers from the caching allocator.
void mla_attention(const TensorView& q, const TensorView& latent_cache, const TensorView& query_start_loc,
                   const TensorView& seq_lens, const TensorView& block_tables, int64_t max_query_len,
                   int64_t max_seq_len, float scale, int64_t num_partitions, const TensorView& out,
                   hipStream_t stream);

}  // namespace hipserve::gpu
