// Which query heads and keys a block of paged decode attention takes (see paged_decode.h), shared by both decode
// kernels (paged_decode_kernel.h on CUDA cores, paged_decode_mma_kernel.h on matrix cores): the launch's grid of
// head groups, sequences and partitions, a block's head group, a sequence's key range and its even spread over
// the partitions.
#pragma once
#include <cstdint>

#include "hip/paged_decode.h"
#include "platform/check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

// The grid of a launch whose blocks take up to heads_per_block query heads of one KV head: (KV heads × blocks per
// KV head, sequences, partitions). A split launch (partitions > 1) must fit the shared counters and the kernel's
// max_partitions.
template <typename T>
dim3 decode_grid(const DecodeAttentionArgs<T>& a, int heads_per_block, int max_partitions) {
  const int group = a.num_heads / a.num_kv_heads;
  const dim3 grid(static_cast<unsigned>(a.num_kv_heads * ((group + heads_per_block - 1) / heads_per_block)),
                  static_cast<unsigned>(a.num_seqs), static_cast<unsigned>(a.num_partitions));
  HS_CHECK(a.num_partitions == 1 || (grid.x * grid.y <= kDecodeCounters && a.num_partitions <= max_partitions),
           unsupported, "paged decode attention: " << grid.x * grid.y << " (sequence, head group) pairs over "
                                                   << a.num_partitions << " partitions");
  return grid;
}

#if defined(HS_GPU_DEVICE_CODE)

// The query heads of block blockIdx.x of decode_grid: head0 .. head0 + ng - 1 (ng <= kHeads), all of KV head
// kv_head.
struct DecodeHeads {
  int kv_head, head0, ng;
};

template <int kHeads, typename T>
__device__ __forceinline__ DecodeHeads decode_heads(const DecodeAttentionArgs<T>& a) {
  const int group = a.num_heads / a.num_kv_heads;
  const int blocks_per_kv_head = (group + kHeads - 1) / kHeads;
  const int kv_head = blockIdx.x / blocks_per_kv_head;
  const int head0 = kv_head * group + (blockIdx.x % blocks_per_kv_head) * kHeads;
  return {kv_head, head0, min(kHeads, kv_head * group + group - head0)};
}

// Key range [first, seq_len) a decode query at position seq_len - 1 attends to; empty for a bad seq_len.
struct KeyRange {
  int first, end;
};

__device__ __forceinline__ KeyRange decode_key_range(int seq_len, int max_seq_len, int max_blocks, int block_size,
                                                     int sliding_window) {
  if (seq_len < 1 || seq_len > max_seq_len || (seq_len + block_size - 1) / block_size > max_blocks) return {0, 0};
  return {sliding_window > 0 ? max(0, seq_len - sliding_window) : 0, seq_len};
}

// How a sequence whose query sees `keys` keys spreads over a launch's partitions: as many as hold at least
// kDecodeMinPartition keys each (so a short sequence under a large max_seq_len takes one or a few, and the blocks of
// the others exit at once), sizes rounded up to kDecodePartitionQuantum; `parts` of them hold keys (0 for none).
struct DecodeSplit {
  int size, parts;
};

__device__ __forceinline__ DecodeSplit decode_split(int keys, int num_partitions) {
  const int parts = min(max(keys / kDecodeMinPartition, 1), num_partitions);
  const int per = (keys + parts - 1) / parts;
  const int size = max(kDecodePartitionQuantum,
                       (per + kDecodePartitionQuantum - 1) / kDecodePartitionQuantum * kDecodePartitionQuantum);
  return {size, (keys + size - 1) / size};
}

// Partition `part` of a sequence of seq_len keys: keys [begin, end) of `parts` partitions holding keys (none for
// a bad seq_len).
struct DecodePartition {
  int begin, end, parts;
};

template <typename T>
__device__ __forceinline__ DecodePartition decode_partition_of(const DecodeAttentionArgs<T>& a, int seq_len,
                                                               int part) {
  const KeyRange range =
      decode_key_range(seq_len, a.max_seq_len, a.max_blocks_per_seq, a.block_size, a.sliding_window);
  const DecodeSplit split = decode_split(range.end - range.first, a.num_partitions);
  const int begin = range.first + part * split.size;
  return {begin, min(range.end, begin + split.size), split.parts};
}

// Partition `part` of sequence b. Reads seq_lens[b]; a bad length raises kFaultSeqLen (once, from partition 0) and
// leaves no keys, so that partition 0 writes zeros.
template <typename T>
__device__ __forceinline__ DecodePartition decode_partition(const DecodeAttentionArgs<T>& a, int b, int part) {
  const DecodePartition p = decode_partition_of(a, a.seq_lens[b], part);
  if (p.end == 0 && part == 0 && threadIdx.x == 0) raise_kernel_fault(a.fault, kFaultSeqLen);
  return p;
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
