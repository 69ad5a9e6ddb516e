// Device code and launcher of paged prefill attention (see paged_prefill.h), included by the files that
// instantiate paged_prefill_launch for one dtype each (so the two compile side by side).
//
// Shared memory of a block (elements of T; each row padded by 8 elements so that the 8 rows of a fragment load
// fall on distinct banks):
//   qs [64 rows][D]           the tile's query rows, loaded once
//   ks [kKeys][D]             the key tile, as B of S = Q·Kᵀ (B[d][key] at ks[key][d])
//   vs [D][kKeys]             the value tile transposed, as B of O = P·V (B[key][d] at vs[d][key])
//   ps [4 waves][16][kKeys]   each wave's probabilities, as A of O = P·V
// For D = 256 the key and value tiles take turns in one buffer (CDNA has 64 KiB of shared memory per block).
#pragma once
#include <climits>

#include "hip/dtypes.h"
#include "hip/launch.h"
#include "hip/matrix_core.h"
#include "hip/online_softmax_rows.h"
#include "hip/paged_prefill.h"
#include "hip/reduce.h"
#include "hip/varlen_sequence.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

constexpr int kPrefillWaves = kPrefillRows / mc::kDim;

template <int D>
struct PrefillTile {
  static constexpr int kKeys = D <= 128 ? 64 : 32;
  static constexpr bool kShareKV = D > 128;
  static constexpr int kLdQ = D + 8, kLdK = D + 8, kLdV = kKeys + 8, kLdP = kKeys + 8;
  static constexpr int kKSize = kKeys * kLdK, kVSize = D * kLdV;
  static constexpr int kQ = 0;
  static constexpr int kK = kQ + kPrefillRows * kLdQ;
  static constexpr int kV = kShareKV ? kK : kK + kKSize;
  static constexpr int kP = kV + (kShareKV && kKSize > kVSize ? kKSize : kVSize);
  static constexpr size_t kSharedBytes = (kP + kPrefillWaves * mc::kDim * kLdP) * sizeof(uint16_t);
  static_assert(kSharedBytes + kKeys <= 64 * 1024, "a block must fit CDNA's 64 KiB");
};

// One tile of keys on its way from the paged cache to shared memory, held in registers so that the next tile's
// loads fly while this one is computed. Thread t carries key t % kKeys of the tile and its 16-byte chunks
// t / kKeys, + kSteps, ... of both K and V (consecutive threads on consecutive keys: the transposed V stores of
// a wave then fill whole bank rows, and the K stores of each quarter wave hit distinct banks).
template <typename T, int D, int kKeys>
struct KvFetch {
  static constexpr int kThreads = kPrefillWaves * HS_WAVE_SIZE;
  static_assert(kThreads % kKeys == 0, "every key needs the same number of threads");
  static constexpr int kSteps = kThreads / kKeys;
  static constexpr int kChunks = D / 8;
  static constexpr int kPer = (kChunks + kSteps - 1) / kSteps;
  uint4 k[kPer], v[kPer];
  bool ok;  // the key is inside the tile and its block-table entry inside the cache

  __device__ static int key() { return threadIdx.x % kKeys; }
  __device__ static int chunk(int j) { return threadIdx.x / kKeys + j * kSteps; }

  // row: the key's element offset in the caches, or -1 (zeros are loaded).
  __device__ void fetch(const T* key_cache, const T* value_cache, int64_t row) {
    ok = row >= 0;
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
      k[j] = v[j] = make_uint4(0, 0, 0, 0);
      if (ok && chunk(j) < kChunks) {
        k[j] = *reinterpret_cast<const uint4*>(key_cache + row + chunk(j) * 8);
        v[j] = *reinterpret_cast<const uint4*>(value_cache + row + chunk(j) * 8);
      }
    }
  }
  // ks[key * kLd + d]
  template <int kLd>
  __device__ void commit_k(T* ks) const {
#pragma unroll
    for (int j = 0; j < kPer; ++j)
      if (chunk(j) < kChunks) *reinterpret_cast<uint4*>(ks + key() * kLd + chunk(j) * 8) = k[j];
  }
  // vs[d * kLd + key]: the transpose
  template <int kLd>
  __device__ void commit_v(T* vs) const {
    uint16_t* out = reinterpret_cast<uint16_t*>(vs);
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
      if (chunk(j) >= kChunks) continue;
      union {
        uint4 raw;
        uint16_t bits[8];
      } u{v[j]};
#pragma unroll
      for (int e = 0; e < 8; ++e) out[(chunk(j) * 8 + e) * kLd + key()] = u.bits[e];
    }
  }
};

template <typename T, int D>
__global__ __launch_bounds__(kPrefillWaves* HS_WAVE_SIZE) void paged_prefill_kernel(PrefillAttentionArgs<T> a) {
  using Tile = PrefillTile<D>;
  constexpr int kKeys = Tile::kKeys, kChunks = D / 8;
  constexpr int kDimTiles = D / mc::kDim, kKeyTiles = kKeys / mc::kDim;
  constexpr int kE = mc::kAccumElems, kR = mc::kAccumRows;
  extern __shared__ uint4 prefill_smem[];
  __shared__ bool key_ok[kKeys];  // the tile's key is in range and its block inside the cache
  T* const smem = reinterpret_cast<T*>(prefill_smem);
  T* const qs = smem + Tile::kQ;
  T* const ks = smem + Tile::kK;
  T* const vs = smem + Tile::kV;
  const int wave = threadIdx.x / HS_WAVE_SIZE;
  T* const ps = smem + Tile::kP + wave * mc::kDim * Tile::kLdP;

  const int group = a.num_heads / a.num_kv_heads;
  const int kv_head = blockIdx.y, b = blockIdx.z;
  const int row0 = (gridDim.x - 1 - blockIdx.x) * kPrefillRows;  // the longest tiles (latest rows) start first
  const VarlenSeq seq = varlen_sequence(a, b, row0 == 0 && kv_head == 0 && threadIdx.x == 0);
  const int num_rows = seq.query_len * group;
  if (!seq.ok || row0 >= num_rows) return;

  // Row r of the tile: query token (row0 + r) / group of the sequence, query head kv_head·group + (row0 + r) % group.
  const int first_pos = seq.seq_len - seq.query_len;
  const int last_row = min(row0 + kPrefillRows, num_rows) - 1;
  const int key_begin = a.sliding_window > 0 ? max(0, first_pos + row0 / group - a.sliding_window + 1) : 0;
  const int key_end = first_pos + last_row / group + 1;

  for (int c = threadIdx.x; c < kPrefillRows * kChunks; c += blockDim.x) {
    const int r = c / kChunks, ch = c % kChunks, row = row0 + r;
    uint4 v = {0, 0, 0, 0};
    if (row < num_rows) {
      const int64_t token = seq.q_begin + row / group, head = kv_head * group + row % group;
      v = *reinterpret_cast<const uint4*>(a.q + token * a.q_token_stride + head * a.q_head_stride + ch * 8);
    }
    *reinterpret_cast<uint4*>(qs + r * Tile::kLdQ + ch * 8) = v;
  }

  // Position of each accumulator element's row (-1: a padding row, which sees nothing).
  int pos[kE];
#pragma unroll
  for (int i = 0; i < kE; ++i) {
    const int row = row0 + wave * mc::kDim + mc::accum_row(i);
    pos[i] = row < num_rows ? first_pos + row / group : -1;
  }

  OnlineSoftmaxRows<kDimTiles> sm;
  const int32_t* table = a.block_tables + b * a.block_table_stride;
  using Fetch = KvFetch<T, D, kKeys>;
  const int num_tiles = (key_end - key_begin + kKeys - 1) / kKeys;
  // This thread's key of tile `tile`: its block-table entry is read a tile ahead of its K/V rows.
  auto in_range = [&](int tile) { return tile < num_tiles && key_begin + tile * kKeys + Fetch::key() < key_end; };
  auto block_of = [&](int tile) {
    return in_range(tile) ? table[(key_begin + tile * kKeys + Fetch::key()) / a.block_size] : 0;
  };
  auto row_of = [&](int tile, int32_t block) -> int64_t {
    if (!in_range(tile)) return -1;
    if (block < 0 || block >= a.num_blocks) {
      raise_kernel_fault(a.fault, kFaultBlockTable);
      return -1;  // the key is left out
    }
    const int t = key_begin + tile * kKeys + Fetch::key();
    return block * a.cache_block_stride + (t % a.block_size) * a.cache_offset_stride + kv_head * a.cache_head_stride;
  };
  Fetch kv;
  int32_t block = block_of(0);
  if constexpr (!Tile::kShareKV) {
    kv.fetch(a.key_cache, a.value_cache, row_of(0, block));
    block = block_of(1);
  }

  for (int tile = 0; tile < num_tiles; ++tile) {
    const int k0 = key_begin + tile * kKeys;
    const int n = min(kKeys, key_end - k0);
    if constexpr (Tile::kShareKV) {
      kv.fetch(a.key_cache, a.value_cache, row_of(tile, block));
      block = block_of(tile + 1);
    }
    __syncthreads();  // the previous tile's K, V and P are consumed
    kv.template commit_k<Tile::kLdK>(ks);
    if constexpr (!Tile::kShareKV) kv.template commit_v<Tile::kLdV>(vs);
    if (threadIdx.x < kKeys) key_ok[threadIdx.x] = kv.ok;
    __syncthreads();
    if constexpr (!Tile::kShareKV) {
      if (tile + 1 < num_tiles) {  // the next tile's loads fly during this tile's math
        kv.fetch(a.key_cache, a.value_cache, row_of(tile + 1, block));
        block = block_of(tile + 2);
      }
    }

    // S = Q·Kᵀ for this wave's 16 rows
    mc::Accum s[kKeyTiles];
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t) mc::zero(s[t]);
#pragma unroll
    for (int kk = 0; kk < kDimTiles; ++kk) {
      const mc::FragA qa = mc::load_a(qs + wave * mc::kDim * Tile::kLdQ + kk * mc::kDim, Tile::kLdQ);
#pragma unroll
      for (int t = 0; t < kKeyTiles; ++t)
        mc::mma<T>(s[t], qa, mc::load_b(ks + t * mc::kDim * Tile::kLdK + kk * mc::kDim, Tile::kLdK));
    }

    // scale, softcap, mask; fold the tile into each row's online softmax
    float tile_max[kR];
#pragma unroll
    for (int r = 0; r < kR; ++r) tile_max[r] = -INFINITY;
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t)
#pragma unroll
      for (int i = 0; i < kE; ++i) {
        const int key = k0 + t * mc::kDim + mc::accum_col(i);
        float x = s[t].x[i] * a.scale;
        if (a.softcap > 0.0f) x = a.softcap * tanhf(x / a.softcap);
        const bool seen = key < k0 + n && key <= pos[i] && (a.sliding_window == 0 || key > pos[i] - a.sliding_window) &&
                          key_ok[key - k0];
        s[t].x[i] = seen ? x : -INFINITY;
        tile_max[mc::accum_slot(i)] = fmaxf(tile_max[mc::accum_slot(i)], s[t].x[i]);
      }
    sm.rescale(tile_max);
#pragma unroll
    for (int t = 0; t < kKeyTiles; ++t) {
      sm.weigh(s[t]);
      mc::store<T>(s[t], ps + t * mc::kDim, Tile::kLdP);
    }
    mc::wave_sync();
    if constexpr (Tile::kShareKV) {
      __syncthreads();  // every wave is done with the key tile
      kv.template commit_v<Tile::kLdV>(vs);
      __syncthreads();
    }

    // O += P·V
#pragma unroll
    for (int kk = 0; kk < kKeyTiles; ++kk) {
      const mc::FragA pa = mc::load_a(ps + kk * mc::kDim, Tile::kLdP);
#pragma unroll
      for (int t = 0; t < kDimTiles; ++t)
        mc::mma<T>(sm.o[t], pa, mc::load_b(vs + t * mc::kDim * Tile::kLdV + kk * mc::kDim, Tile::kLdV));
    }
  }

  // out = O / (row sum [+ e^(sink − max)]), both relative to the larger of the row's max and its sink
  sm.sum_rows();
#pragma unroll
  for (int i = 0; i < kE; ++i) {
    const int row = row0 + wave * mc::kDim + mc::accum_row(i);
    if (row >= num_rows) continue;
    const int64_t token = seq.q_begin + row / group;
    const int head = kv_head * group + row % group;
    const float m = sm.row_max[mc::accum_slot(i)];
    const float sink = a.sinks != nullptr ? a.sinks[head] : -INFINITY;
    const float top = fmaxf(m, sink);
    const float keep = top == -INFINITY ? 0.0f : __expf(m - top);
    const float den = sm.row_sum[mc::accum_slot(i)] * keep + (sink == -INFINITY ? 0.0f : __expf(sink - top));
    const float factor = den > 0.0f ? keep / den : 0.0f;
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
