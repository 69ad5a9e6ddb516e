// Device code and launcher of paged prefill attention (see paged_prefill.h), included by the files that
// instantiate paged_prefill_launch for one dtype each (so the two compile side by side).
//
// A block of kPrefillWaves waves takes 64 rows (16 a wave). Its K/V tiles of kKeys keys go through a ring of two
// shared-memory stages: the copies of tile t + 1 (cp.async on NVIDIA) fly while tile t is computed, one barrier a
// tile. Each wave copies a quarter of the tile's keys; its lanes read their keys' block-table entries a tile ahead.
//
//   stage [2][K rows kKeys × (D + 8) | V rows kKeys × (D + 8)]   key-major, rows padded by 8 elements so that the
//                                                                8 rows of a fragment load fall on distinct banks
//   Q [64 rows × (D + 8)]   loaded once; its A fragments then stay in registers (up to D = 128 on NVIDIA, any D on
//                           CDNA), so Q is first loaded into stage 1, before that stage's first tile
//   ok words [2 stages][waves]   each wave's keys of the tile that are in range with a valid block (bit per key)
//   P tiles [waves][16 × 24]     CDNA only: its accumulator-to-A round trip (mc::accum_to_a)
//
// Per tile and wave: S[16 × kKeys] = Q·Kᵀ (K rows as B), scale and softcap, then the mask only where the tile needs
// one (a key out of range or with a bad block, the causal diagonal, the sliding window's edge), the online
// softmax, and O[16 × D] += P·V with P straight from S's accumulators and V rows through load_b_trans.
#pragma once
#include <algorithm>
#include <climits>
#include <cstdint>

#include "hip/async_copy.h"
#include "hip/dtypes.h"
#include "hip/launch.h"
#include "hip/matrix_core.h"
#include "hip/online_softmax_rows.h"
#include "hip/paged_kv_rows.h"
#include "hip/paged_prefill.h"
#include "hip/reduce.h"
#include "hip/soft_cap.h"
#include "hip/softmax_sink.h"
#include "hip/varlen_sequence.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

constexpr int kPrefillWaves = kPrefillRows / mc::kDim;
constexpr int kPrefillStages = 2;
// Blocks resident per CU that __launch_bounds__ asks registers for (168 a thread on NVIDIA up to D = 128; shared
// memory allows them). Three blocks of 4 waves took 1.3-1.5x less time than two (PERF.md, session 7).
constexpr int prefill_blocks_per_cu(int head_size) { return HS_WAVE_SIZE == 32 && head_size <= 128 ? 3 : 1; }

template <int D>
struct PrefillTile {  // byte offsets
  // CDNA's 64 KiB hold two stages of half the keys.
  static constexpr int kKeys = (D <= 128 ? 64 : 32) / (HS_WAVE_SIZE == 32 ? 1 : 2);
  static constexpr int kWaveKeys = kKeys / kPrefillWaves;  // keys each wave copies
  static constexpr bool kQInRegisters = D <= 128 || HS_WAVE_SIZE == 64;
  static constexpr int kLd = D + 8, kLdP = mc::kDim + 8;
  static constexpr size_t kStage = size_t{2} * kKeys * kLd * 2;
  static constexpr size_t kQBytes = size_t{kPrefillRows} * kLd * 2;
  static constexpr size_t kQ = kQInRegisters ? kStage : 2 * kStage;
  static constexpr size_t kOk = kQInRegisters ? kStage + std::max(kStage, kQBytes) : 2 * kStage + kQBytes;
  static constexpr size_t kP = kOk + 16 * ((kPrefillStages * kPrefillWaves * sizeof(uint32_t) + 15) / 16);
  static constexpr size_t kSharedBytes = kP + (HS_WAVE_SIZE == 64 ? size_t{kPrefillWaves} * mc::kDim * kLdP * 2 : 0);
  static_assert(kKeys % kPrefillWaves == 0 && kWaveKeys <= 32 && kKeys <= 64, "ok words of whole waves");
  static_assert(kSharedBytes <= (HS_WAVE_SIZE == 32 ? 227 : 64) * 1024, "fits a block's shared memory");
};

template <typename T, int D>
__global__ __launch_bounds__(kPrefillWaves* HS_WAVE_SIZE, prefill_blocks_per_cu(D)) void paged_prefill_kernel(
    PrefillAttentionArgs<T> a) {
  using Tile = PrefillTile<D>;
  constexpr int kKeys = Tile::kKeys, kWaveKeys = Tile::kWaveKeys, kLd = Tile::kLd, kChunks = D / 8;
  constexpr int kDimTiles = D / mc::kDim, kKeyTiles = kKeys / mc::kDim;
  constexpr int kE = mc::kAccumElems, kR = mc::kAccumRows;
  constexpr uint64_t kAllKeys = kKeys == 64 ? ~uint64_t{0} : (uint64_t{1} << kKeys) - 1;
  extern __shared__ uint4 prefill_smem[];
  char* const base = reinterpret_cast<char*>(prefill_smem);
  auto stage_k = [&](int stage) { return reinterpret_cast<T*>(base + stage * Tile::kStage); };
  T* const qs = reinterpret_cast<T*>(base + Tile::kQ);
  uint32_t* const ok_words = reinterpret_cast<uint32_t*>(base + Tile::kOk);
  const int wave = threadIdx.x / HS_WAVE_SIZE, lane = threadIdx.x % HS_WAVE_SIZE;
  T* const p_tile = reinterpret_cast<T*>(base + Tile::kP) + wave * mc::kDim * Tile::kLdP;

  const int group = a.num_heads / a.num_kv_heads;
  const int kv_head = blockIdx.y, b = blockIdx.z;
  const int row0 = (gridDim.x - 1 - blockIdx.x) * kPrefillRows;  // the longest tiles (latest rows) start first
  const VarlenSeq seq = varlen_sequence(a, b, row0 == 0 && kv_head == 0 && threadIdx.x == 0);
  const int num_rows = seq.query_len * group;
  if (!seq.ok || row0 >= num_rows) return;

  // Row r of the tile: query token (row0 + r) / group of the sequence, query head kv_head·group + (row0 + r) % group.
  const int first_pos = seq.seq_len - seq.query_len;
  const int last_row = min(row0 + kPrefillRows, num_rows) - 1;
  const int min_pos = first_pos + row0 / group, max_pos = first_pos + last_row / group;
  const int key_begin = a.sliding_window > 0 ? max(0, min_pos - a.sliding_window + 1) : 0;
  const int key_end = max_pos + 1;
  const int num_tiles = (key_end - key_begin + kKeys - 1) / kKeys;

  // Lane l reads the block-table entry of key l % kWaveKeys of its wave's share a tile ahead (paged_kv_rows.h).
  const int32_t* table = a.block_tables + b * a.block_table_stride;
  const int my_key = wave * kWaveKeys + lane % kWaveKeys;
  auto table_entry = [&](int tile) -> int32_t {
    const int t = key_begin + tile * kKeys + my_key;
    return tile < num_tiles && t < key_end ? table[paged_block_index(a, t)] : -1;
  };
  int32_t next_block = table_entry(0);
  auto issue = [&](int tile) {  // this wave's share of tile's K and V rows into stage tile % 2
    T* const ks = stage_k(tile % kPrefillStages) + wave * kWaveKeys * kLd;
    T* const vs = ks + kKeys * kLd;
    const int64_t row =
        paged_kv_row(a, key_begin + tile * kKeys + my_key, key_end, next_block, kv_head, lane < kWaveKeys);
    const uint32_t mask = keys_present<kWaveKeys>(row >= 0, lane);
    if (lane == 0) ok_words[(tile % kPrefillStages) * kPrefillWaves + wave] = mask;
    copy_kv_rows_async<kWaveKeys, D>(ks, vs, kLd, a.key_cache, a.value_cache, row, lane);
    next_block = table_entry(tile + 1);
  };
  if (num_tiles > 0) issue(0);
  async_copy_commit();

  for (int c = threadIdx.x; c < kPrefillRows * kChunks; c += blockDim.x) {
    const int r = c / kChunks, ch = c % kChunks, row = row0 + r;
    uint4 v = {0, 0, 0, 0};
    if (row < num_rows) {
      const int64_t token = seq.q_begin + row / group, head = kv_head * group + row % group;
      v = *reinterpret_cast<const uint4*>(a.q + token * a.q_token_stride + head * a.q_head_stride + ch * 8);
    }
    *reinterpret_cast<uint4*>(qs + r * kLd + ch * 8) = v;
  }
  __syncthreads();
  const T* const q_rows = qs + wave * mc::kDim * kLd;
  mc::FragA qa[Tile::kQInRegisters ? kDimTiles : 1];
  if constexpr (Tile::kQInRegisters) {
#pragma unroll
    for (int kk = 0; kk < kDimTiles; ++kk) qa[kk] = mc::load_a(q_rows + kk * mc::kDim, kLd);
  }

  // Position of each accumulator element's row (-1: a padding row, which sees nothing).
  int pos[kE];
#pragma unroll
  for (int i = 0; i < kE; ++i) {
    const int row = row0 + wave * mc::kDim + mc::accum_row(i);
    pos[i] = row < num_rows ? first_pos + row / group : -1;
  }

  // Where the scale is positive and nothing caps the scores, the softmax applies the scale itself.
  const bool unscaled = a.scale > 0.0f && a.softcap <= 0.0f;
  OnlineSoftmaxRows<kDimTiles> sm(unscaled ? a.scale : 1.0f);
  for (int tile = 0; tile < num_tiles; ++tile) {
    async_copy_wait<0>();
    __syncthreads();  // tile's rows visible; every wave is done with the other stage (and with Q in it)
    if (tile + 1 < num_tiles) issue(tile + 1);
    async_copy_commit();

    const int stage = tile % kPrefillStages, k0 = key_begin + tile * kKeys;
    const T* const ks = stage_k(stage);
    const T* const vs = ks + kKeys * kLd;
    uint64_t key_ok = 0;
#pragma unroll
    for (int w = 0; w < kPrefillWaves; ++w)
      key_ok |= uint64_t{ok_words[stage * kPrefillWaves + w]} << (w * kWaveKeys);
    const bool masked = key_ok != kAllKeys || k0 + kKeys - 1 > min_pos ||
                        (a.sliding_window > 0 && k0 <= max_pos - a.sliding_window);

    mc::Accum s[kKeyTiles];
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t) mc::zero(s[t]);
#pragma unroll
    for (int kk = 0; kk < kDimTiles; ++kk) {
      mc::FragA q;
      if constexpr (Tile::kQInRegisters)
        q = qa[kk];
      else
        q = mc::load_a(q_rows + kk * mc::kDim, kLd);
#pragma unroll
      for (int t = 0; t < kKeyTiles; ++t) mc::mma<T>(s[t], q, mc::load_b(ks + t * mc::kDim * kLd + kk * mc::kDim, kLd));
    }

    // Scale, softcap and mask the scores in place (each a loop of its own, so that the common tile, with no scale
    // to apply and nothing masked, has no per-score branches), then each row's max.
    if (!unscaled) {
#pragma unroll
      for (int t = 0; t < kKeyTiles; ++t)
#pragma unroll
        for (int i = 0; i < kE; ++i) s[t].x[i] = soft_cap(s[t].x[i] * a.scale, a.softcap);
    }
    if (masked) {
#pragma unroll
      for (int t = 0; t < kKeyTiles; ++t)
#pragma unroll
        for (int i = 0; i < kE; ++i) {
          const int col = t * mc::kDim + mc::accum_col(i), key = k0 + col;
          const bool seen = (key_ok >> col & 1u) && key <= pos[i] &&
                            (a.sliding_window == 0 || key > pos[i] - a.sliding_window);
          if (!seen) s[t].x[i] = -INFINITY;
        }
    }
    float tile_max[kR];
#pragma unroll
    for (int r = 0; r < kR; ++r) tile_max[r] = -INFINITY;
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t)
#pragma unroll
      for (int i = 0; i < kE; ++i) tile_max[mc::accum_slot(i)] = fmaxf(tile_max[mc::accum_slot(i)], s[t].x[i]);
    sm.rescale(tile_max);
#pragma unroll
    for (int kk = 0; kk < kKeyTiles; ++kk) {
      sm.weigh(s[kk]);
      const mc::FragA pa = mc::accum_to_a<T>(s[kk], p_tile, Tile::kLdP);
#pragma unroll
      for (int t = 0; t < kDimTiles; ++t)
        mc::mma<T>(sm.o[t], pa, mc::load_b_trans(vs + kk * mc::kDim * kLd + t * mc::kDim, kLd));
    }
  }
  async_copy_wait<0>();

  // out = O / (row sum [+ e^(sink − max)]), both relative to the larger of the row's max and its sink
  sm.sum_rows();
#pragma unroll
  for (int i = 0; i < kE; ++i) {
    const int row = row0 + wave * mc::kDim + mc::accum_row(i);
    if (row >= num_rows) continue;
    const int64_t token = seq.q_begin + row / group;
    const int head = kv_head * group + row % group;
    const float sink = a.sinks != nullptr ? a.sinks[head] : -INFINITY;
    const float factor = normalized(1.0f, sm.row_sum[mc::accum_slot(i)], sm.natural_max(mc::accum_slot(i)), sink);
    T* dst = a.out + token * a.out_token_stride + head * a.out_head_stride + mc::accum_col(i);
#pragma unroll
    for (int t = 0; t < kDimTiles; ++t) dst[t * mc::kDim] = from_float<T>(sm.o[t].x[i] * factor);
  }
}

template <typename T, int D>
void launch_prefill(const PrefillAttentionArgs<T>& a, hipStream_t stream) {
  using Tile = PrefillTile<D>;
  const int64_t row_tiles =
      (int64_t{a.max_query_len} * (a.num_heads / a.num_kv_heads) + kPrefillRows - 1) / kPrefillRows;
  if (row_tiles > INT_MAX) throw Error(ErrorCode::invalid_argument, "paged attention: too many query rows");
  allow_dynamic_shared<&paged_prefill_kernel<T, D>>(Tile::kSharedBytes);
  int device = 0;
  HS_GPU_CHECK(hipGetDevice(&device));
  const int threads = kPrefillWaves * device_caps(device).wave_size;
  const dim3 grid(static_cast<unsigned>(row_tiles), static_cast<unsigned>(a.num_kv_heads),
                  static_cast<unsigned>(a.num_seqs));
  paged_prefill_kernel<T, D><<<grid, threads, Tile::kSharedBytes, stream>>>(a);
  HS_GPU_CHECK_LAUNCH();
}

template <typename T>
void paged_prefill_launch(const PrefillAttentionArgs<T>& args, int head_size, hipStream_t stream) {
  switch (head_size) {
    case 64: return launch_prefill<T, 64>(args, stream);
    case 80: return launch_prefill<T, 80>(args, stream);
    case 96: return launch_prefill<T, 96>(args, stream);
    case 128: return launch_prefill<T, 128>(args, stream);
    case 256: return launch_prefill<T, 256>(args, stream);
    default: throw Error(ErrorCode::unsupported, "paged attention: unsupported head size");
  }
}

}  // namespace hipserve::gpu
