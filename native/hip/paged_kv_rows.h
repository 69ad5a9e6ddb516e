// Where a key's K/V rows lie in the paged caches ([num_blocks, block_size, Hk, D], block tables of i32), and the
// wave-wide asynchronous copy of a tile of them into shared memory, shared by the attention kernels (paged decode
// on CUDA and matrix cores, paged prefill, MLA decode). Args is any of their argument structs: block_size and
// block_shift (log2 of a power-of-two block size, else -1), num_blocks, the caches' strides, fault.
#pragma once
#include <cstdint>

#include "hip/async_copy.h"
#include "platform/gpu.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)

// The block-table column of key t.
template <typename Args>
__device__ __forceinline__ int paged_block_index(const Args& a, int t) {
  return a.block_shift >= 0 ? t >> a.block_shift : t / a.block_size;
}

// The element offset of key t's row of KV head kv_head in the caches, its block-table entry being `block`; -1 for
// a key at or past `end` and for a block outside the cache, which also raises kFaultBlockTable where `reporter`.
template <typename Args>
__device__ __forceinline__ int64_t paged_kv_row(const Args& a, int t, int end, int32_t block, int kv_head,
                                                bool reporter) {
  if (t >= end) return -1;
  if (block < 0 || block >= a.num_blocks) {
    if (reporter) raise_kernel_fault(a.fault, kFaultBlockTable);
    return -1;
  }
  return block * a.cache_block_stride + (t - paged_block_index(a, t) * a.block_size) * a.cache_offset_stride +
         kv_head * a.cache_head_stride;
}

// Bit k set where the lanes holding key k (lane % kKeys == k) pass true: the OR over each group of kKeys lanes.
template <int kKeys>
__device__ __forceinline__ uint32_t keys_present(bool present, int lane) {
  uint32_t mask = present ? 1u << (lane % kKeys) : 0u;
#pragma unroll
  for (int offset = 1; offset < kKeys; offset *= 2) mask |= shfl_xor(mask, offset);
  return mask;
}

// Copies the K and V rows (D elements each) of kKeys keys to rows 0 .. kKeys - 1 of ks and vs (row pitch ld),
// zeros for a key whose row is -1. Lane l holds the row offset of key l % kKeys; the 16-byte copies of each row go
// to consecutive lanes (whole 128-byte lines per instruction), which take the offset from that lane. Every lane of
// the wave calls it.
template <int kKeys, int D, typename T>
__device__ __forceinline__ void copy_kv_rows_async(T* ks, T* vs, int ld, const T* key_cache, const T* value_cache,
                                                   int64_t row, int lane) {
  constexpr int kChunks = D / 8, kWaveCopies = kKeys * kChunks;
  constexpr int kCopies = (kWaveCopies + HS_WAVE_SIZE - 1) / HS_WAVE_SIZE;
  constexpr bool kRagged = kWaveCopies % HS_WAVE_SIZE != 0;  // the last copies of some lanes fall past the rows
#pragma unroll
  for (int i = 0; i < kCopies; ++i) {
    const int c = i * HS_WAVE_SIZE + lane, chunk = c % kChunks;
    const int key = kRagged ? min(c / kChunks, kKeys - 1) : c / kChunks;
    const int64_t r = shfl(row, key);
    if (kRagged && c >= kWaveCopies) continue;
    const int64_t src = (r >= 0 ? r : 0) + chunk * 8;
    copy_16_async(ks + key * ld + chunk * 8, key_cache + src, r >= 0);
    copy_16_async(vs + key * ld + chunk * 8, value_cache + src, r >= 0);
  }
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
