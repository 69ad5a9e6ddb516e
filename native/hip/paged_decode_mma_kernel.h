// Device code and launcher of paged decode attention on matrix cores (see paged_decode.h), for GQA groups of 4
// and more: one block per (KV head, sequence, partition) scores the KV head's whole group of query heads, padded
// to 16 rows, so each K/V row is read once for the group and the per-key work is a few matrix-core operations
// whatever the group. Included by the files that instantiate paged_decode_mma_launch for one dtype each.
//
// Each of the block's kWaves waves (4 or 8, paged_decode.h) streams its own 16-key steps as the CUDA-core kernel
// does (no block-wide barrier until the end):
//
//   partition keys:  | w0 step0 | w1 step0 | ... | w(kWaves-1) step0 | w0 step1 | ...        (16 keys each)
//   wave's ring:     [kMmaStages][K rows 16 × (D + 8) | V rows 16 × (D + 8)]   cp.async copies, kMmaStages - 1
//                    steps in flight while one is computed
//   step:  S[16 heads × 16 keys] = Q·Kᵀ   (Q as A fragments in registers, K rows as B: one tile per 16 of D)
//          mask, scale, softcap, online softmax per head row in f32 (lanes of a row: mc::kRowLanes)
//          O[16 heads × D] += P·V         (P from the S accumulators, V rows through load_b_trans)
//
// The waves' (max, sum, O) meet in shared memory at the end and go to out or the partials (paged_decode_reduce.h),
// exactly as in the CUDA-core kernel. Rows are padded by 8 elements so the 8 rows of a fragment load fall on
// distinct banks.
#pragma once
#include <algorithm>
#include <cstdint>

#include "hip/async_copy.h"
#include "hip/dtypes.h"
#include "hip/launch.h"
#include "hip/matrix_core.h"
#include "hip/online_softmax_rows.h"
#include "hip/paged_decode.h"
#include "hip/paged_decode_reduce.h"
#include "hip/paged_decode_split.h"
#include "hip/paged_kv_rows.h"
#include "hip/reduce.h"
#include "hip/soft_cap.h"
#include "platform/arch.h"
#include "platform/check.h"
#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

constexpr int kMmaKeys = mc::kDim;  // keys per wave step: one S tile
static_assert(kDecodeMmaHeads == mc::kDim, "a block's query heads are the rows of one tile");
static_assert(kDecodePartitionQuantum % kMmaKeys == 0, "partitions of whole steps");
// Ring depth per wave. CDNA's copies are plain loads (no cp.async), so depth buys nothing there, and 64 KiB of
// shared memory per block would not hold more.
constexpr int kMmaStages = HS_WAVE_SIZE == 32 ? 3 : 1;

template <int D, int kWaves>
struct MmaDecodeSmem {  // byte offsets
  static constexpr int kLd = D + 8;
  static constexpr int kLdP = mc::kDim + 8;
  static constexpr size_t kStage = size_t{2} * kMmaKeys * kLd * 2;  // K rows, then V rows
  static constexpr int kLdAcc = D + 8;  // floats per row of the waves' results: 2-way bank conflicts, not 8
  static constexpr size_t kQ = 0;
  static constexpr size_t kRing = kQ + size_t{kDecodeMmaHeads} * kLd * 2;
  static constexpr size_t kP = kRing + size_t{kWaves} * kMmaStages * kStage;  // CDNA's P tiles (accum_to_a)
  static constexpr size_t kEnd = kP + size_t{kWaves} * mc::kDim * kLdP * 2;
  // At the end everything is reused for finish_decode_block's results and scratch.
  static constexpr size_t bytes(int num_partitions) {
    return std::max(kEnd, decode_finish_floats(kLdAcc, kDecodeMmaHeads, num_partitions, kWaves) * sizeof(float));
  }
};

#if defined(HS_GPU_DEVICE_CODE)

template <typename T, int D, int kWaves>
__global__ __launch_bounds__(kWaves * HS_WAVE_SIZE, decode_mma_blocks_per_cu(kWaves)) void paged_decode_mma_kernel(
    DecodeAttentionArgs<T> a) {
  using Smem = MmaDecodeSmem<D, kWaves>;
  constexpr int kLd = Smem::kLd, kChunks = D / 8, kDimTiles = D / mc::kDim, kRows = kDecodeMmaHeads;
  constexpr int kE = mc::kAccumElems, kR = mc::kAccumRows, kS = kMmaStages;
  static_assert(D % mc::kDim == 0 && kMmaKeys * kChunks % HS_WAVE_SIZE == 0, "whole tiles, whole copies");
  static_assert(kMmaKeys <= HS_WAVE_SIZE && kS * kMmaKeys <= 64, "a lane per key; a step's key bits per stage");
  extern __shared__ uint4 mma_decode_smem[];
  char* const base = reinterpret_cast<char*>(mma_decode_smem);
  T* const qs = reinterpret_cast<T*>(base + Smem::kQ);
  const int wave = threadIdx.x / HS_WAVE_SIZE, lane = threadIdx.x % HS_WAVE_SIZE;
  T* const ring = reinterpret_cast<T*>(base + Smem::kRing + wave * kS * Smem::kStage);
  T* const p_tile = reinterpret_cast<T*>(base + Smem::kP) + wave * mc::kDim * Smem::kLdP;

  const DecodeHeads heads = decode_heads<kRows>(a);
  const int kv_head = heads.kv_head, head0 = heads.head0, ng = heads.ng;
  const int b = blockIdx.y, part = blockIdx.z;
  const int32_t* table = a.block_tables + b * a.block_table_stride;

  // Lane l holds key l % kMmaKeys of a step: its block-table entry, read one step ahead so that the copies'
  // addresses are ready (entries of keys at or past `limit` are not read).
  const int my_key = lane % kMmaKeys;
  auto key_of = [&](int begin, int j) { return begin + (j * kWaves + wave) * kMmaKeys + my_key; };
  int32_t next_block = -1;
  auto read_table = [&](int begin, int j, int limit) {
    const int t = key_of(begin, j);
    next_block = t < limit ? table[paged_block_index(a, t)] : -1;
  };
  // The first entries are read beside seq_lens, not after it, for a guessed partition: partition 0 without a
  // sliding window starts at key 0 whatever the sequence's length; the others guess that the sequence is
  // max_seq_len long (a batch of long sequences) and read their entries again when it is not.
  DecodePartition guess{0, 0, 0};
  if (part == 0 && a.sliding_window <= 0) {
    const int64_t table_keys = int64_t{a.max_blocks_per_seq} * a.block_size;
    guess.end = table_keys < INT32_MAX ? static_cast<int>(table_keys) : INT32_MAX;
  } else {
    guess = decode_partition_of(a, a.max_seq_len, part);
  }
  read_table(guess.begin, 0, guess.end);
  const DecodePartition split = decode_partition(a, b, part);
  if (part > 0 && part >= split.parts) return;  // partition 0 writes zeros for a sequence with no keys
  const int begin = split.begin, end = split.end;
  const int rest = end - begin - wave * kMmaKeys;
  const int nsteps = rest <= 0 ? 0 : (rest + kWaves * kMmaKeys - 1) / (kWaves * kMmaKeys);
  if (begin != guess.begin || end > guess.end) read_table(begin, 0, end);

  uint64_t ok_bits = 0;  // bits stage * kMmaKeys + k: key k of that stage is in range with a valid block
  auto issue = [&](int j) {
    const int stage = j % kS;
    if (j < nsteps) {
      T* const ks = ring + stage * (Smem::kStage / 2);
      T* const vs = ks + kMmaKeys * kLd;
      const int64_t row = paged_kv_row(a, key_of(begin, j), end, next_block, kv_head, lane < kMmaKeys);
      const uint32_t mask = keys_present<kMmaKeys>(row >= 0, lane);
      ok_bits = (ok_bits & ~(uint64_t{0xffff} << (stage * kMmaKeys))) | uint64_t{mask} << (stage * kMmaKeys);
      copy_kv_rows_async<kMmaKeys, D>(ks, vs, kLd, a.key_cache, a.value_cache, row, lane);
      read_table(begin, j + 1, end);
    }
    async_copy_commit();  // empty past the last step: the wait below counts groups
  };
#pragma unroll
  for (int j = 0; j < kS - 1; ++j) issue(j);

  // The query rows after the first copies (zeros past the group): A fragments, held for the whole loop.
  for (int c = threadIdx.x; c < kRows * kChunks; c += blockDim.x) {
    const int r = c / kChunks, ch = c % kChunks;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (r < ng)
      v = *reinterpret_cast<const uint4*>(a.q + b * a.q_token_stride + (head0 + r) * a.q_head_stride + ch * 8);
    *reinterpret_cast<uint4*>(qs + r * kLd + ch * 8) = v;
  }
  __syncthreads();
  mc::FragA qa[kDimTiles];
#pragma unroll
  for (int kk = 0; kk < kDimTiles; ++kk) qa[kk] = mc::load_a(qs + kk * mc::kDim, kLd);

  // Where the scale is positive and nothing caps the scores, the softmax applies the scale itself.
  const bool unscaled = a.scale > 0.0f && a.softcap <= 0.0f;
  OnlineSoftmaxRows<kDimTiles> sm(unscaled ? a.scale : 1.0f);

  for (int j = 0; j < nsteps; ++j) {
    mc::wave_sync();    // every lane is done with the stage step j - 1 read
    issue(j + kS - 1);  // into that stage
    async_copy_wait<kS - 1>();
    mc::wave_sync();  // step j's rows, copied by all the wave's lanes, visible to all
    const int stage = j % kS;
    const T* const ks = ring + stage * (Smem::kStage / 2);
    const T* const vs = ks + kMmaKeys * kLd;
    const uint32_t ok = static_cast<uint32_t>(ok_bits >> (stage * kMmaKeys));

    mc::Accum s;
    mc::zero(s);
#pragma unroll
    for (int kk = 0; kk < kDimTiles; ++kk) mc::mma<T>(s, qa[kk], mc::load_b(ks + kk * mc::kDim, kLd));

    if (!unscaled) {  // a loop of its own: no per-score branches where the softmax applies the scale
#pragma unroll
      for (int i = 0; i < kE; ++i) s.x[i] = soft_cap(s.x[i] * a.scale, a.softcap);
    }
    float step_max[kR];
#pragma unroll
    for (int r = 0; r < kR; ++r) step_max[r] = -INFINITY;
#pragma unroll
    for (int i = 0; i < kE; ++i) {
      s.x[i] = (ok >> mc::accum_col(i)) & 1u ? s.x[i] : -INFINITY;
      step_max[mc::accum_slot(i)] = fmaxf(step_max[mc::accum_slot(i)], s.x[i]);
    }
    sm.rescale(step_max);
    sm.weigh(s);
    const mc::FragA pa = mc::accum_to_a<T>(s, p_tile, Smem::kLdP);
#pragma unroll
    for (int t = 0; t < kDimTiles; ++t) mc::mma<T>(sm.o[t], pa, mc::load_b_trans(vs + t * mc::kDim, kLd));
  }
  async_copy_wait<0>();

  // The waves meet in shared memory (all of it: the ring, Q and the P tiles are done).
  __syncthreads();
  constexpr int kLdAcc = Smem::kLdAcc;
  float* const wave_acc = reinterpret_cast<float*>(base);  // [kWaves][kRows][kLdAcc]
  float* const wave_max = wave_acc + kWaves * kRows * kLdAcc;
  float* const wave_sum = wave_max + kWaves * kRows;
  sm.sum_rows();
#pragma unroll
  for (int i = 0; i < kE; ++i) {
    const int row = wave * kRows + mc::accum_row(i);
#pragma unroll
    for (int t = 0; t < kDimTiles; ++t) wave_acc[row * kLdAcc + t * mc::kDim + mc::accum_col(i)] = sm.o[t].x[i];
    if (lane % mc::kRowLanes == 0) {
      wave_max[row] = sm.natural_max(mc::accum_slot(i));
      wave_sum[row] = sm.row_sum[mc::accum_slot(i)];
    }
  }
  __syncthreads();
  finish_decode_block<T, D, kRows, kWaves, kLdAcc>(a, b, head0, ng, part, split.parts, wave_acc);
}

#endif  // HS_GPU_DEVICE_CODE

template <typename T, int D, int kWaves>
void launch_mma_decode(const DecodeAttentionArgs<T>& a, hipStream_t stream) {
  using Smem = MmaDecodeSmem<D, kWaves>;
  constexpr size_t kMostBytes = Smem::bytes(kDecodeMmaMaxPartitions);
  static_assert(kMostBytes <= (HS_WAVE_SIZE == 32 ? 227 : 64) * 1024, "fits a block's shared memory");
  static_assert(HS_WAVE_SIZE == 64 || decode_mma_blocks_per_cu(kWaves) * (kMostBytes + 1024) <= 228 * 1024,
                "the blocks per SM of __launch_bounds__ fit its shared memory (sm_90: 228 KiB)");
  const dim3 grid = decode_grid(a, kDecodeMmaHeads, kDecodeMmaMaxPartitions);
  allow_dynamic_shared<&paged_decode_mma_kernel<T, D, kWaves>>(kMostBytes);
  paged_decode_mma_kernel<T, D, kWaves><<<grid, kWaves * HS_WAVE_SIZE, Smem::bytes(a.num_partitions), stream>>>(a);
  HS_GPU_CHECK_LAUNCH();
}

template <typename T, int kWaves>
void mma_decode_head_size(const DecodeAttentionArgs<T>& args, int head_size, hipStream_t stream) {
  switch (head_size) {
    case 64: return launch_mma_decode<T, 64, kWaves>(args, stream);
    case 128: return launch_mma_decode<T, 128, kWaves>(args, stream);
    default: throw Error(ErrorCode::unsupported, "paged decode attention on matrix cores: head size 64 or 128");
  }
}

template <typename T>
void paged_decode_mma_launch(const DecodeAttentionArgs<T>& args, int head_size, int waves, hipStream_t stream) {
  HS_CHECK(waves == kDecodeMmaWaves || waves == kDecodeMmaWideWaves, unsupported,
           "paged decode attention on matrix cores: blocks of " << waves << " waves");
  if constexpr (kDecodeMmaWideWaves != kDecodeMmaWaves) {
    if (waves == kDecodeMmaWideWaves) return mma_decode_head_size<T, kDecodeMmaWideWaves>(args, head_size, stream);
  }
  mma_decode_head_size<T, kDecodeMmaWaves>(args, head_size, stream);
}

}  // namespace hipserve::gpu
