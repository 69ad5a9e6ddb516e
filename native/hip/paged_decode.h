// Paged decode attention on the GPU: one query token per sequence against its paged KV cache, split-K
// (flash-decoding) so that a few long sequences still fill the device, and GQA-aware (each K/V row is read once
// for all the query heads that share it).
//
//   q [B, Hq, D]; key_cache/value_cache [num_blocks, block_size, Hk, D]; seq_lens [B] i32 (the query is the
//   last of its sequence's tokens); block_tables [B, max_blocks] i32; out [B, Hq, D]. q, caches and out share
//   one dtype, bf16 or f16; scores and sums are f32. sinks [Hq] f32 (optional) adds one logit per head to the
//   softmax denominator. D is one of 64, 80, 96, 128, 256.
//
//   grid (Hk × group chunks, B, partitions):
//     block (kv_head, b, part) ─ each wave streams its share of the partition's keys through a shared-memory
//       ring, online softmax per wave ─▶ the waves meet once ─▶ out, when the sequence's keys fit one partition
//       ─▶ else partial (acc, max, sum); the last block of (b, head group) to finish rescales them ─▶ out
//       (paged_decode_reduce.h: one kernel, no combine launch)
//
// Graph-safe: the grid and the partitions depend only on host arguments (num_seqs, heads, max_seq_len), never
// on seq_lens; partitions past a sequence's keys exit at once and the reducer reads only those with keys.
//
// Invalid sequence lengths and block-table entries are skipped and raise kernel faults.
#pragma once
#include <cstdint>

#include "hipserve/ops.h"
#include "hipserve/tensor_view.h"
#include "platform/arch.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

template <typename T>
struct DecodeAttentionArgs {
  const T* q;
  int64_t q_token_stride, q_head_stride;
  const T* key_cache;
  const T* value_cache;
  int64_t cache_block_stride, cache_offset_stride, cache_head_stride;  // shared by both caches
  int64_t num_blocks;
  int block_size;
  int block_shift;  // log2(block_size) when it is a power of two (a shift instead of a division), else -1
  const int32_t* seq_lens;
  const int32_t* block_tables;
  int64_t block_table_stride;
  int max_blocks_per_seq;
  int max_seq_len;
  int num_heads, num_kv_heads;
  float scale;
  float softcap;       // > 0: score = softcap * tanh(score / softcap)
  int sliding_window;  // > 0: the query sees the last sliding_window keys
  const float* sinks;  // [Hq] or null
  T* out;
  int64_t out_token_stride, out_head_stride;
  int num_seqs;
  int num_partitions;  // per sequence, its keys spread evenly over them (decode_split)
  float* partial_acc;  // [B, Hq, partitions, D], unnormalised
  float* partial_max;  // [B, Hq, partitions]
  float* partial_sum;  // [B, Hq, partitions]
  int32_t* fault;
};

constexpr int kDecodeWaves = 4;               // waves per block of the CUDA-core kernel
constexpr int kDecodeMaxGroup = 4;            // query heads per block; larger groups take several blocks (their
                                              // K/V reads after the first hit L2; 8 heads took 234 registers)
constexpr int kDecodePartitionQuantum = 64;   // partition sizes are multiples of this many keys
constexpr int kDecodeMinPartition = 128;      // a sequence takes as many partitions as hold this many keys each
constexpr int kDecodeBlocksPerCu = 4;         // blocks resident per CU, roughly (shared memory and registers)
constexpr int kDecodeMaxPartitions = 1024;    // the reducer's weights stay in the block's shared memory
constexpr int kDecodeCounters = 4096;         // (sequence, head group) pairs a split launch may have

// Groups of at least kDecodeMmaMinGroup query heads per KV head with head sizes 64 and 128 (and groups of 4 to 7
// in batches of at most kDecodeMmaSmallBatch sequences) take the matrix-core kernel (paged_decode_mma_kernel.h):
// one block scores a KV head's whole group, padded to 16 rows, against each K tile and accumulates P·V on matrix
// cores, so K/V are read once per group and the per-key work does not grow with the group. Smaller groups, other
// head sizes: the CUDA-core kernel above (paged_decode_kernel.h). The environment variable
// HIPSERVE_PAGED_DECODE=v4 or =mma forces one of them where both apply, and HIPSERVE_PAGED_DECODE_RESIDENT=n plans
// the partitions for n resident blocks per CU (both for benchmarks).
constexpr int kDecodeMmaMinGroup = 8;
// PERF.md: for group 4 the matrix-core kernel is faster at every 4k+ context, but slower at short ones for large
// batches, and a graph's launch is planned for max_seq_len whatever the lengths: the 8B decode step at context 160
// lost 2% at batch 64 and 256 with it and gained up to 1% at batch 1 and 8.
constexpr int kDecodeMmaSmallBatch = 8;
constexpr int kDecodeMmaHeads = 16;          // query heads per matrix-core block (larger groups take several)
constexpr int kDecodeMmaMaxPartitions = 256; // the reducer's weights for 16 heads stay within CDNA's 64 KiB
// Matrix-core blocks come in two sizes (PERF.md, session 6). Where the (sequence, head group) pairs fill the
// device, blocks of kDecodeMmaWaves, two per CU: one block's start and end hide behind the other's streaming.
// Where a launch is split over partitions (pairs at most half the CUs), one block of kDecodeMmaWideWaves per CU
// (NVIDIA; CDNA's 64 KiB of shared memory hold only the small one): two blocks sharing a CU streamed at unequal
// rates, and the one that ended first left its CU half idle until the launch's end.
constexpr int kDecodeMmaWaves = 4;
constexpr int kDecodeMmaWideWaves = HS_WAVE_SIZE == 32 ? 8 : kDecodeMmaWaves;
constexpr int kDecodeMmaBlocksPerCu = 2;  // of the small blocks (shared memory, registers)

// Resident matrix-core blocks per CU for blocks of `waves` (the kernel's __launch_bounds__ and the partition plan).
constexpr int decode_mma_blocks_per_cu(int waves) { return waves == kDecodeMmaWaves ? kDecodeMmaBlocksPerCu : 1; }

// Which kernel a launch takes, the partition bounds of that kernel and, for the matrix-core one, its block size.
struct DecodePath {
  bool mma;
  int heads_per_block, blocks_per_cu, max_partitions;
  int waves;  // matrix-core blocks: kDecodeMmaWaves or kDecodeMmaWideWaves
};
DecodePath choose_decode_path(int group_size, int head_size, int num_seqs, int num_kv_heads, int compute_units);

// Partitions per sequence for a launch, from host arguments only: as many as fit one full wave of resident
// blocks beside the others (rounded down: a second, nearly empty wave costs a whole partition's time), at most
// max_seq_len / kDecodeMinPartition; 1 when the batch fills the device. Each sequence spreads its actual keys
// over them (decode_split), so a short sequence under a large max_seq_len takes one or a few.
int plan_decode_partitions(const DecodePath& path, int num_seqs, int num_kv_heads, int group_size, int max_seq_len,
                           int sliding_window, int compute_units);

// The partial buffers of args must hold num_seqs * num_heads * num_partitions (* D) floats when
// num_partitions > 1 (then at most the path's max_partitions, and num_seqs × head groups at most kDecodeCounters).
template <typename T>
void paged_decode_launch(const DecodeAttentionArgs<T>& args, int head_size, hipStream_t stream);
// The matrix-core kernel (head sizes 64 and 128; partitions at most kDecodeMmaMaxPartitions) in blocks of `waves`.
template <typename T>
void paged_decode_mma_launch(const DecodeAttentionArgs<T>& args, int head_size, int waves, hipStream_t stream);

// The entry: validates every view, plans the partitions, takes its partial buffers from the caching allocator.
// max_seq_len bounds seq_lens (the host knows it without reading device memory). Split launches share one set
// of counters per device (paged_decode_reduce.h): calls on two streams of one device must not overlap.
void paged_decode_attention(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                            const TensorView& seq_lens, const TensorView& block_tables, int64_t max_seq_len,
                            const TensorView* sinks, const AttentionParams& params, const TensorView& out,
                            hipStream_t stream);

}  // namespace hipserve::gpu
