// Device code and launcher of latent attention (see mla_decode.h), included by the files that instantiate
// mla_attention_launch for one dtype each (so the two compile side by side).
//
// Shared memory of a block (elements of T; D16 = R + L rounded up to 16, rows padded by 8 elements so that the
// 8 rows of a fragment load fall on distinct banks; columns past R + L are zeros):
//   qs  [kMlaRows][D16 + 8]                the tile's query rows, loaded once
//   ks  [kMlaStages][kMlaKeys][D16 + 8]    the latent tiles in flight: B of S = Q·Kᵀ as stored (B[d][key] at
//                                          ks[key][d]) and B of O = P·V read transposed (B[key][c] at ks[key][R + c])
//   ps  [kMlaRows][kMlaKeys + 8]           probabilities, A of O = P·V
//   f32: scores [depth parts][kMlaRows][kMlaKeys], per-row alpha and sum, per-key validity
#pragma once
#include <algorithm>
#include <climits>

#include "hip/async_copy.h"
#include "hip/dtypes.h"
#include "hip/launch.h"
#include "hip/matrix_core.h"
#include "hip/mla_decode.h"
#include "hip/paged_kv_rows.h"
#include "hip/reduce.h"
#include "hip/varlen_sequence.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

constexpr int kMlaThreads = kMlaWaves * HS_WAVE_SIZE;
constexpr int kMlaRowTiles = kMlaRows / mc::kDim;
constexpr int kMlaKeyTiles = kMlaKeys / mc::kDim;
constexpr int kMlaScoreTiles = kMlaRowTiles * kMlaKeyTiles;
static_assert(kMlaWaves % kMlaScoreTiles == 0, "the waves split the score tiles evenly");
constexpr int kMlaDepthParts = kMlaWaves / kMlaScoreTiles;  // waves sharing one score tile's depth
constexpr int kMlaColsPerWave = 64;                          // O columns each wave owns
constexpr int kMlaColTiles = kMlaColsPerWave / mc::kDim;
static_assert(kMlaWaves * kMlaColsPerWave >= kMlaMaxLatent, "the waves cover L's columns");
// The softmax: kMlaRowLanes consecutive threads per row, kMlaKeysPerLane keys each.
constexpr int kMlaRowLanes = std::min(kMlaKeys, kMlaThreads / kMlaRows);
constexpr int kMlaKeysPerLane = kMlaKeys / kMlaRowLanes;
constexpr int kMlaThreadsPerKey = kMlaThreads / kMlaKeys;  // threads copying one latent row of a tile
constexpr int kMlaLdP = kMlaKeys + 8;

struct MlaSmem {
  int ld;  // row pitch of qs and ks
  size_t qs, ks, ps, scores, alpha, row_sum, key_ok, bytes;  // byte offsets
  __host__ __device__ explicit MlaSmem(int row_width) {
    const int d16 = (row_width + mc::kDim - 1) / mc::kDim * mc::kDim;
    ld = d16 + 8;
    qs = 0;
    ks = qs + size_t{kMlaRows} * ld * 2;
    ps = ks + size_t{kMlaStages} * kMlaKeys * ld * 2;
    scores = ps + size_t{kMlaRows} * kMlaLdP * 2;
    alpha = scores + size_t{kMlaDepthParts} * kMlaRows * kMlaKeys * 4;
    row_sum = alpha + kMlaRows * 4;
    key_ok = row_sum + kMlaRows * 4;
    bytes = key_ok + size_t{kMlaStages} * kMlaKeys * 4;
  }
};

#if defined(HS_GPU_DEVICE_CODE)

// Keys per partition for a sequence of `keys` keys: spread evenly, whole tiles, at least kMlaMinPartition.
__device__ __forceinline__ int mla_partition_size(int keys, int num_partitions) {
  const int per = (keys + num_partitions - 1) / num_partitions;
  return max(kMlaMinPartition, (per + kMlaKeys - 1) / kMlaKeys * kMlaKeys);
}

template <typename T>
__global__ __launch_bounds__(kMlaThreads, 1) void mla_attention_kernel(MlaAttentionArgs<T> a) {
  extern __shared__ uint4 mla_smem[];
  const MlaSmem layout(a.rope_dim + a.latent_dim);
  char* const base = reinterpret_cast<char*>(mla_smem);
  T* const qs = reinterpret_cast<T*>(base + layout.qs);
  T* const ks = reinterpret_cast<T*>(base + layout.ks);
  T* const ps = reinterpret_cast<T*>(base + layout.ps);
  float* const scores = reinterpret_cast<float*>(base + layout.scores);
  float* const alpha_s = reinterpret_cast<float*>(base + layout.alpha);
  float* const sum_s = reinterpret_cast<float*>(base + layout.row_sum);
  int* const key_ok = reinterpret_cast<int*>(base + layout.key_ok);
  const int ld = layout.ld;
  const int width = a.rope_dim + a.latent_dim, chunks = width / 8, chunks16 = (ld - 8) / 8;
  const int wave = threadIdx.x / HS_WAVE_SIZE;

  const int b = blockIdx.y, part = blockIdx.z;
  const int row0 = blockIdx.x * kMlaRows;
  const VarlenSeq seq = varlen_sequence(a, b, row0 == 0 && part == 0 && threadIdx.x == 0);
  const int H = a.num_heads, num_rows = seq.query_len * H;
  if (!seq.ok || row0 >= num_rows) return;
  const int first_pos = seq.seq_len - seq.query_len;
  const int last_row = min(row0 + kMlaRows, num_rows) - 1;
  const int partition_size = mla_partition_size(seq.seq_len, a.num_partitions);
  const int begin = part * partition_size;
  const int end = min(min(seq.seq_len, begin + partition_size), first_pos + last_row / H + 1);
  if (begin >= end) return;  // no row of the tile sees these keys; the combine skips them
  const int num_tiles = (end - begin + kMlaKeys - 1) / kMlaKeys;

  // Query rows (zeros past the tile's rows and past the row width).
  for (int c = threadIdx.x; c < kMlaRows * chunks16; c += blockDim.x) {
    const int r = c / chunks16, ch = c % chunks16, row = row0 + r;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (row < num_rows && ch < chunks) {
      const int64_t token = seq.q_begin + row / H, head = row % H;
      v = *reinterpret_cast<const uint4*>(a.q + token * a.q_token_stride + head * a.q_head_stride + ch * 8);
    }
    *reinterpret_cast<uint4*>(qs + r * ld + ch * 8) = v;
  }

  // Latent tiles: thread t copies chunks t % kMlaThreadsPerKey, + kMlaThreadsPerKey, ... of key t / kMlaThreadsPerKey.
  const int32_t* table = a.block_tables + b * a.block_table_stride;
  const int my_key = threadIdx.x / kMlaThreadsPerKey, my_chunk = threadIdx.x % kMlaThreadsPerKey;
  auto issue = [&](int j) {
    const int stage = j % kMlaStages;
    const int key = begin + j * kMlaKeys + my_key;
    const bool in_range = j < num_tiles && key < end;
    int64_t row = 0;
    bool ok = false;
    if (in_range) {
      const int idx = paged_block_index(a, key);
      const int32_t block = table[idx];
      ok = block >= 0 && block < a.num_blocks;
      if (!ok && my_chunk == 0) raise_kernel_fault(a.fault, kFaultBlockTable);
      if (ok) row = block * a.cache_block_stride + (key - idx * a.block_size) * a.cache_offset_stride;
    }
    T* dst = ks + (stage * kMlaKeys + my_key) * ld;
    for (int ch = my_chunk; ch < chunks16; ch += kMlaThreadsPerKey)
      copy_16_async(dst + ch * 8, a.cache + row + ch * 8, ok && ch < chunks);
    async_copy_commit();
    if (my_chunk == 0) key_ok[stage * kMlaKeys + my_key] = ok;
  };

  // Softmax state of this thread's row (threads past kMlaRows × kMlaRowLanes hold none).
  const int srow = threadIdx.x / kMlaRowLanes, slane = threadIdx.x % kMlaRowLanes;
  const bool softmax_thread = srow < kMlaRows;
  const int srow_global = row0 + srow;
  const int spos = softmax_thread && srow_global < num_rows ? first_pos + srow_global / H : -1;
  float run_max = -INFINITY, run_sum = 0.0f;

  // This wave's score tile and depth share; its O columns.
  const int score_tile = wave % kMlaScoreTiles, depth_part = wave / kMlaScoreTiles;
  const int st_row = score_tile / kMlaKeyTiles, st_key = score_tile % kMlaKeyTiles;
  const int depth_tiles = (ld - 8) / mc::kDim;
  const int col0 = wave * kMlaColsPerWave;
  const bool owns_cols = col0 < a.latent_dim;
  mc::Accum o[kMlaRowTiles][kMlaColTiles];
#pragma unroll
  for (int rt = 0; rt < kMlaRowTiles; ++rt)
#pragma unroll
    for (int ct = 0; ct < kMlaColTiles; ++ct) mc::zero(o[rt][ct]);

#pragma unroll
  for (int j = 0; j < kMlaStages - 1; ++j) issue(j);
  for (int j = 0; j < num_tiles; ++j) {
    issue(j + kMlaStages - 1);  // into the stage tile j - 1 used (free since the last barrier)
    async_copy_wait<kMlaStages - 1>();
    __syncthreads();  // tile j (and the query rows) visible to every wave
    const int stage = j % kMlaStages;
    const T* kt = ks + stage * kMlaKeys * ld;

    // S partial = Q·Kᵀ over this wave's depth share
    {
      mc::Accum s;
      mc::zero(s);
      for (int kk = depth_part; kk < depth_tiles; kk += kMlaDepthParts) {
        const mc::FragA qa = mc::load_a(qs + st_row * mc::kDim * ld + kk * mc::kDim, ld);
        mc::mma<T>(s, qa, mc::load_b(kt + st_key * mc::kDim * ld + kk * mc::kDim, ld));
      }
      float* dst = scores + (depth_part * kMlaRows + st_row * mc::kDim) * kMlaKeys + st_key * mc::kDim;
#pragma unroll
      for (int i = 0; i < mc::kAccumElems; ++i) dst[mc::accum_row(i) * kMlaKeys + mc::accum_col(i)] = s.x[i];
    }
    __syncthreads();

    // Mask, scale, online softmax; P rounded to T.
    if (softmax_thread) {
      const int k0 = begin + j * kMlaKeys;
      float x[kMlaKeysPerLane];
      float tile_max = -INFINITY;
#pragma unroll
      for (int e = 0; e < kMlaKeysPerLane; ++e) {
        const int c = slane * kMlaKeysPerLane + e, key = k0 + c;
        float v = 0.0f;
#pragma unroll
        for (int d = 0; d < kMlaDepthParts; ++d) v += scores[(d * kMlaRows + srow) * kMlaKeys + c];
        const bool seen = key < end && key <= spos && key_ok[stage * kMlaKeys + c];
        x[e] = seen ? v * a.scale : -INFINITY;
        tile_max = fmaxf(tile_max, x[e]);
      }
      const float m = fmaxf(run_max, group_max<kMlaRowLanes>(tile_max));
      const float alpha = m == -INFINITY ? 1.0f : __expf(run_max - m);
      run_max = m;
      run_sum *= alpha;
#pragma unroll
      for (int e = 0; e < kMlaKeysPerLane; ++e) {
        const float p = m == -INFINITY ? 0.0f : __expf(x[e] - m);
        run_sum += p;
        ps[srow * kMlaLdP + slane * kMlaKeysPerLane + e] = from_float<T>(p);
      }
      if (slane == 0) alpha_s[srow] = alpha;
    }
    __syncthreads();

    // O = O·alpha + P·V over this wave's columns
    if (owns_cols) {
#pragma unroll
      for (int rt = 0; rt < kMlaRowTiles; ++rt)
#pragma unroll
        for (int i = 0; i < mc::kAccumElems; ++i) {
          const float al = alpha_s[rt * mc::kDim + mc::accum_row(i)];
#pragma unroll
          for (int ct = 0; ct < kMlaColTiles; ++ct) o[rt][ct].x[i] *= al;
        }
#pragma unroll
      for (int kk = 0; kk < kMlaKeyTiles; ++kk) {
        mc::FragA pa[kMlaRowTiles];
#pragma unroll
        for (int rt = 0; rt < kMlaRowTiles; ++rt)
          pa[rt] = mc::load_a(ps + rt * mc::kDim * kMlaLdP + kk * mc::kDim, kMlaLdP);
#pragma unroll
        for (int ct = 0; ct < kMlaColTiles; ++ct) {
          if (col0 + ct * mc::kDim < a.latent_dim) {
            const mc::FragB vb =
                mc::load_b_trans(kt + kk * mc::kDim * ld + a.rope_dim + col0 + ct * mc::kDim, ld);
#pragma unroll
            for (int rt = 0; rt < kMlaRowTiles; ++rt) mc::mma<T>(o[rt][ct], pa[rt], vb);
          }
        }
      }
    }
    __syncthreads();  // stage j and P are consumed
  }
  async_copy_wait<0>();

  if (softmax_thread) {
    const float sum = group_sum<kMlaRowLanes>(run_sum);
    if (slane == 0) {
      sum_s[srow] = sum;
      if (a.num_partitions > 1 && srow_global < num_rows) {
        const int64_t slot =
            ((seq.q_begin + int64_t{srow_global / H}) * H + srow_global % H) * a.num_partitions + part;
        a.partial_max[slot] = run_max;
        a.partial_sum[slot] = sum;
      }
    }
  }
  __syncthreads();
  if (!owns_cols) return;
#pragma unroll
  for (int rt = 0; rt < kMlaRowTiles; ++rt)
#pragma unroll
    for (int i = 0; i < mc::kAccumElems; ++i) {
      const int r = rt * mc::kDim + mc::accum_row(i), row = row0 + r;
      if (row >= num_rows) continue;
      const int64_t token = seq.q_begin + row / H, head = row % H;
      const float sum = sum_s[r];
      const float factor = sum > 0.0f ? 1.0f / sum : 0.0f;
#pragma unroll
      for (int ct = 0; ct < kMlaColTiles; ++ct) {
        const int col = col0 + ct * mc::kDim + mc::accum_col(i);
        if (col0 + ct * mc::kDim >= a.latent_dim) continue;
        if (a.num_partitions == 1) {
          a.out[token * a.out_token_stride + head * a.out_head_stride + col] = from_float<T>(o[rt][ct].x[i] * factor);
        } else {
          const int64_t slot = (token * H + head) * a.num_partitions + part;
          a.partial_acc[slot * a.latent_dim + col] = o[rt][ct].x[i];
        }
      }
    }
}

// One block per (row, sequence): rescale the row's partitions to their common max and divide. A row at
// position p reads the partitions that start at or before p (later ones hold none of its keys).
template <typename T>
__global__ void mla_combine_kernel(MlaAttentionArgs<T> a) {
  __shared__ float scratch[kMaxWavesPerBlock];
  extern __shared__ float weight[];  // [num_partitions]
  const int b = blockIdx.y, row = blockIdx.x;
  const VarlenSeq seq = varlen_sequence(a, b, false);
  const int H = a.num_heads;
  if (!seq.ok || row >= seq.query_len * H) return;
  const int pos = seq.seq_len - seq.query_len + row / H;
  const int partition_size = mla_partition_size(seq.seq_len, a.num_partitions);
  const int parts = pos / partition_size + 1;
  const int64_t token = seq.q_begin + row / H, head = row % H;
  const int64_t slot0 = (token * H + head) * a.num_partitions;
  const float* pmax = a.partial_max + slot0;
  const float* psum = a.partial_sum + slot0;
  float m = -INFINITY;
  for (int p = threadIdx.x; p < parts; p += blockDim.x) m = fmaxf(m, pmax[p]);
  m = block_max(m, scratch);
  float s = 0.0f;
  for (int p = threadIdx.x; p < parts; p += blockDim.x) {
    weight[p] = pmax[p] == -INFINITY ? 0.0f : __expf(pmax[p] - m);
    s += psum[p] * weight[p];
  }
  const float den = block_sum(s, scratch);
  const float* acc = a.partial_acc + slot0 * a.latent_dim;
  T* dst = a.out + token * a.out_token_stride + head * a.out_head_stride;
  for (int c = threadIdx.x; c < a.latent_dim; c += blockDim.x) {
    float v = 0.0f;
    for (int p = 0; p < parts; ++p) v += acc[p * a.latent_dim + c] * weight[p];
    dst[c] = from_float<T>(den > 0.0f ? v / den : 0.0f);
  }
}

#endif  // HS_GPU_DEVICE_CODE

template <typename T>
void mla_attention_launch(const MlaAttentionArgs<T>& a, hipStream_t stream) {
  const MlaSmem layout(a.rope_dim + a.latent_dim);
  allow_dynamic_shared<&mla_attention_kernel<T>>(MlaSmem(kMlaMaxRope + kMlaMaxLatent).bytes);
  int device = 0;
  HS_GPU_CHECK(hipGetDevice(&device));
  const int64_t rows = int64_t{a.max_query_len} * a.num_heads;
  const int64_t row_tiles = (rows + kMlaRows - 1) / kMlaRows;
  if (rows > INT_MAX) throw Error(ErrorCode::invalid_argument, "mla attention: too many query rows");
  const int threads = kMlaWaves * device_caps(device).wave_size;
  mla_attention_kernel<T><<<dim3(static_cast<unsigned>(row_tiles), static_cast<unsigned>(a.num_seqs),
                                 static_cast<unsigned>(a.num_partitions)),
                            threads, layout.bytes, stream>>>(a);
  HS_GPU_CHECK_LAUNCH();
  if (a.num_partitions > 1) {
    const size_t weights = (a.num_partitions + 3) / 4 * 4 * sizeof(float);
    mla_combine_kernel<T><<<dim3(static_cast<unsigned>(rows), static_cast<unsigned>(a.num_seqs)), 128, weights,
                            stream>>>(a);
    HS_GPU_CHECK_LAUNCH();
  }
}

}  // namespace hipserve::gpu
