// Device code and launcher of paged decode attention (see paged_decode.h), included by the files that
// instantiate paged_decode_launch for one dtype each (so the two compile side by side).
//
// Lane map inside a wave, for head size D in 16-byte chunks of 8 elements:
//   kLanes = D/8 rounded up to a power of two lanes hold one key row (lanes past D/8 idle),
//   so a wave covers kTokensPerWave = wave / kLanes keys at once; lane = sub * kLanes + chunk.
#pragma once
#include <algorithm>

#include "hip/dtypes.h"
#include "hip/paged_decode.h"
#include "hip/reduce.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

constexpr int kDecodeWaves = 4;
constexpr int kDecodeUnroll = 4;       // key rows in flight per lane

constexpr int pow2_at_least(int n) { return n <= 1 ? 1 : 2 * pow2_at_least((n + 1) / 2); }

// Key range [first, seq_len) a decode query at position seq_len - 1 attends to; empty for a bad seq_len.
struct KeyRange {
  int first, end;
};

__device__ __forceinline__ KeyRange decode_key_range(int seq_len, int max_seq_len, int max_blocks, int block_size,
                                                     int sliding_window) {
  if (seq_len < 1 || seq_len > max_seq_len || (seq_len + block_size - 1) / block_size > max_blocks) return {0, 0};
  return {sliding_window > 0 ? max(0, seq_len - sliding_window) : 0, seq_len};
}

template <typename T, int D>
struct DecodeLanes {
  static constexpr int kVec = 8;
  static constexpr int kChunks = D / kVec;
  static constexpr int kLanes = pow2_at_least(kChunks);
  static_assert(D % kVec == 0 && kLanes <= HS_WAVE_SIZE, "head size must be a multiple of 8 and fit a wave");
  static constexpr int kTokensPerWave = HS_WAVE_SIZE / kLanes;
  static constexpr int kTokensPerPass = kDecodeWaves * kTokensPerWave * kDecodeUnroll;

  int wave, sub, chunk;
  bool active;  // this lane holds a chunk of the row
  __device__ DecodeLanes() {
    wave = threadIdx.x / HS_WAVE_SIZE;
    const int lane = threadIdx.x % HS_WAVE_SIZE;
    sub = lane / kLanes;
    chunk = lane % kLanes;
    active = chunk < kChunks;
  }
  // The key this lane reads in unrolled step u of the pass starting at `base`.
  __device__ int token(int base, int u) const {
    return base + (u * kDecodeWaves + wave) * kTokensPerWave + sub;
  }
};

// Loads this lane's chunk of the cache row at element offset `row` (from the tile's row table); zeros when
// the row is -1 (a bad block-table entry: the key is left out).
template <typename T, int kVec>
__device__ __forceinline__ bool load_row_chunk(const T* cache, int64_t row, int chunk, float (&out)[kVec]) {
  if (row < 0) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) out[i] = 0.0f;
    return false;
  }
  load_vec<T, kVec>(cache + row + chunk * kVec, out);
  return true;
}

// kG: query heads per block (1, 2, 4 or 8; registers hold kG query rows and accumulators).
template <typename T, int D, int kG>
__global__ __launch_bounds__(kDecodeWaves * HS_WAVE_SIZE) void paged_decode_kernel(DecodeAttentionArgs<T> a) {
  using L = DecodeLanes<T, D>;
  constexpr int kVec = L::kVec, kU = kDecodeUnroll;
  extern __shared__ float smem[];
  __shared__ float red[kDecodeWaves][kG];
  __shared__ int64_t rows[kDecodeTile];  // cache row offset of each key of the tile, -1 for a bad block

  const int group = a.num_heads / a.num_kv_heads;
  const int chunks_per_head = (group + kG - 1) / kG;  // blocks per KV head
  const int kv_head = blockIdx.x / chunks_per_head;
  const int head0 = kv_head * group + (blockIdx.x % chunks_per_head) * kG;
  const int ng = min(kG, kv_head * group + group - head0);
  const int b = blockIdx.y, part = blockIdx.z;
  const L lanes;

  const int seq_len = a.seq_lens[b];
  const KeyRange range = decode_key_range(seq_len, a.max_seq_len, a.max_blocks_per_seq, a.block_size,
                                          a.sliding_window);
  if (range.end == 0 && part == 0 && threadIdx.x == 0) raise_kernel_fault(a.fault, kFaultSeqLen);
  const int begin = range.first + part * a.partition_size;
  const int end = min(range.end, begin + a.partition_size);
  if (a.num_partitions > 1 && begin >= end) return;  // the combine reads only partitions that hold keys

  float* logits = smem;                     // [ng][kDecodeTile]
  float* wave_acc = smem + ng * kDecodeTile;  // [kDecodeWaves][ng][D]
  const int32_t* table = a.block_tables + b * a.block_table_stride;

  float q[kG][kVec];
#pragma unroll
  for (int g = 0; g < kG; ++g) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) q[g][i] = 0.0f;
    if (g < ng && lanes.active) {
      load_vec<T, kVec>(a.q + b * a.q_token_stride + (head0 + g) * a.q_head_stride + lanes.chunk * kVec, q[g]);
#pragma unroll
      for (int i = 0; i < kVec; ++i) q[g][i] *= a.scale;
    }
  }

  float running_max[kG], local_sum[kG], acc[kG][kVec];
#pragma unroll
  for (int g = 0; g < kG; ++g) {
    running_max[g] = -INFINITY;
    local_sum[g] = 0.0f;
#pragma unroll
    for (int i = 0; i < kVec; ++i) acc[g][i] = 0.0f;
  }

  for (int tile = begin; tile < end; tile += kDecodeTile) {
    const int tile_end = min(end, tile + kDecodeTile);
    // 0. where the tile's keys live (one block-table read per key, not per key and lane)
    for (int i = threadIdx.x; i < tile_end - tile; i += blockDim.x) {
      const int t = tile + i;
      const int32_t block = table[t / a.block_size];
      const bool ok = block >= 0 && block < a.num_blocks;
      if (!ok) raise_kernel_fault(a.fault, kFaultBlockTable);
      rows[i] = ok ? block * a.cache_block_stride + (t % a.block_size) * a.cache_offset_stride +
                         kv_head * a.cache_head_stride
                   : -1;
    }
    __syncthreads();
    // 1. scores of the tile's keys
    float tile_max[kG];
#pragma unroll
    for (int g = 0; g < kG; ++g) tile_max[g] = -INFINITY;
    for (int base = tile; base < tile_end; base += L::kTokensPerPass) {
      float k[kU][kVec];
      bool ok[kU];
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int t = lanes.token(base, u);
        ok[u] = false;
        if (t < tile_end && lanes.active)
          ok[u] = load_row_chunk<T, kVec>(a.key_cache, rows[t - tile], lanes.chunk, k[u]);
        else
          for (int i = 0; i < kVec; ++i) k[u][i] = 0.0f;
      }
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int t = lanes.token(base, u);
#pragma unroll
        for (int g = 0; g < kG; ++g) {
          float dot = 0.0f;
#pragma unroll
          for (int i = 0; i < kVec; ++i) dot += q[g][i] * k[u][i];
          dot = group_sum<L::kLanes>(dot);
          if (a.softcap > 0.0f) dot = a.softcap * tanhf(dot / a.softcap);
          if (!ok[u]) dot = -INFINITY;  // a bad block-table entry: the key is left out
          if (g < ng && t < tile_end && lanes.chunk == 0) {
            logits[g * kDecodeTile + (t - tile)] = dot;
            tile_max[g] = fmaxf(tile_max[g], dot);
          }
        }
      }
    }
#pragma unroll
    for (int g = 0; g < kG; ++g) {
      const float m = group_max(tile_max[g]);
      if (threadIdx.x % HS_WAVE_SIZE == 0) red[lanes.wave][g] = m;
    }
    __syncthreads();
    // 2. new running max, rescale what was accumulated, exponentiate the tile
    const int n = tile_end - tile;
#pragma unroll
    for (int g = 0; g < kG; ++g) {
      float m = running_max[g];
      for (int w = 0; w < kDecodeWaves; ++w) m = fmaxf(m, red[w][g]);
      const float alpha = running_max[g] == -INFINITY ? 0.0f : __expf(running_max[g] - m);
      running_max[g] = m;
      local_sum[g] *= alpha;
#pragma unroll
      for (int i = 0; i < kVec; ++i) acc[g][i] *= alpha;
      if (g < ng)
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
          const float s = logits[g * kDecodeTile + i];
          const float p = m == -INFINITY ? 0.0f : __expf(s - m);
          logits[g * kDecodeTile + i] = p;
          local_sum[g] += p;
        }
    }
    __syncthreads();
    // 3. accumulate the tile's values, weighted
    for (int base = tile; base < tile_end; base += L::kTokensPerPass) {
      float v[kU][kVec];
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int t = lanes.token(base, u);
        if (t < tile_end && lanes.active)
          load_row_chunk<T, kVec>(a.value_cache, rows[t - tile], lanes.chunk, v[u]);
        else
          for (int i = 0; i < kVec; ++i) v[u][i] = 0.0f;
      }
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int t = lanes.token(base, u);
        if (t >= tile_end) continue;
#pragma unroll
        for (int g = 0; g < kG; ++g) {
          const float p = g < ng ? logits[g * kDecodeTile + (t - tile)] : 0.0f;
#pragma unroll
          for (int i = 0; i < kVec; ++i) acc[g][i] += p * v[u][i];
        }
      }
    }
    __syncthreads();
  }

  // Sum the lanes that share a chunk, then the waves; then the softmax denominators.
#pragma unroll
  for (int g = 0; g < kG; ++g) {
#pragma unroll
    for (int i = 0; i < kVec; ++i)
#pragma unroll
      for (int offset = L::kLanes; offset < HS_WAVE_SIZE; offset *= 2) acc[g][i] += shfl_xor(acc[g][i], offset);
    if (g < ng && lanes.sub == 0 && lanes.active)
#pragma unroll
      for (int i = 0; i < kVec; ++i) wave_acc[(lanes.wave * ng + g) * D + lanes.chunk * kVec + i] = acc[g][i];
    const float s = group_sum(local_sum[g]);
    if (threadIdx.x % HS_WAVE_SIZE == 0) red[lanes.wave][g] = s;
  }
  __syncthreads();

  const int64_t row0 = static_cast<int64_t>(b) * a.num_heads + head0;  // (b, head0) in [B, Hq]
  for (int idx = threadIdx.x; idx < ng * D; idx += blockDim.x) {
    const int g = idx / D, d = idx % D;
    float value = 0.0f, sum = 0.0f;
    for (int w = 0; w < kDecodeWaves; ++w) {
      value += wave_acc[(w * ng + g) * D + d];
      sum += red[w][g];
    }
    float head_max = -INFINITY;
#pragma unroll
    for (int gg = 0; gg < kG; ++gg)  // constant indices keep running_max in registers
      if (gg == g) head_max = running_max[gg];
    if (a.num_partitions == 1) {
      const float sink = a.sinks != nullptr ? a.sinks[head0 + g] : -INFINITY;
      const float top = fmaxf(head_max, sink);
      const float keep = top == -INFINITY ? 0.0f : __expf(head_max - top);
      const float den = sum * keep + (sink == -INFINITY ? 0.0f : __expf(sink - top));
      const float o = den > 0.0f ? value * keep / den : 0.0f;
      a.out[b * a.out_token_stride + (head0 + g) * a.out_head_stride + d] = from_float<T>(o);
    } else {
      const int64_t slot = (row0 + g) * a.num_partitions + part;
      a.partial_acc[slot * D + d] = value;
      if (d == 0) {
        a.partial_max[slot] = head_max;
        a.partial_sum[slot] = sum;
      }
    }
  }
}

// One block per (head, sequence): rescale the partitions' partial results to their common max and divide.
template <typename T>
__global__ void paged_decode_combine_kernel(DecodeAttentionArgs<T> a, int head_size) {
  __shared__ float scratch[kMaxWavesPerBlock];
  extern __shared__ float weight[];  // [num_partitions]
  const int head = blockIdx.x, b = blockIdx.y;
  const KeyRange range = decode_key_range(a.seq_lens[b], a.max_seq_len, a.max_blocks_per_seq, a.block_size,
                                          a.sliding_window);
  const int parts = (range.end - range.first + a.partition_size - 1) / a.partition_size;
  const int64_t row = static_cast<int64_t>(b) * a.num_heads + head;
  const float* pmax = a.partial_max + row * a.num_partitions;
  const float* psum = a.partial_sum + row * a.num_partitions;
  float m = -INFINITY;
  for (int p = threadIdx.x; p < parts; p += blockDim.x) m = fmaxf(m, pmax[p]);
  const float sink = a.sinks != nullptr ? a.sinks[head] : -INFINITY;
  const float top = fmaxf(block_max(m, scratch), sink);
  float s = 0.0f;
  for (int p = threadIdx.x; p < parts; p += blockDim.x) {
    weight[p] = pmax[p] == -INFINITY ? 0.0f : __expf(pmax[p] - top);
    s += psum[p] * weight[p];
  }
  const float den = block_sum(s, scratch) + (sink == -INFINITY ? 0.0f : __expf(sink - top));
  const float* acc = a.partial_acc + row * a.num_partitions * head_size;
  for (int d = threadIdx.x; d < head_size; d += blockDim.x) {
    float value = 0.0f;
    for (int p = 0; p < parts; ++p) value += acc[p * head_size + d] * weight[p];
    a.out[b * a.out_token_stride + head * a.out_head_stride + d] = from_float<T>(den > 0.0f ? value / den : 0.0f);
  }
}

// The combine's weights, padded to whole 16-byte words: ptxas may read the last partial word at once.
inline size_t combine_shared_bytes(int num_partitions) { return (num_partitions + 3) / 4 * 4 * sizeof(float); }

template <typename T, int D, int kG>
void launch_decode(const DecodeAttentionArgs<T>& a, hipStream_t stream) {
  const int group = a.num_heads / a.num_kv_heads;
  const int ng = std::min(group, kG);
  const size_t smem = static_cast<size_t>(ng) * (kDecodeTile + kDecodeWaves * D) * sizeof(float);
  const dim3 grid(static_cast<unsigned>(a.num_kv_heads * ((group + kG - 1) / kG)), static_cast<unsigned>(a.num_seqs),
                  static_cast<unsigned>(a.num_partitions));
  int device = 0;
  HS_GPU_CHECK(hipGetDevice(&device));
  const int threads = kDecodeWaves * device_caps(device).wave_size;
  paged_decode_kernel<T, D, kG><<<grid, threads, smem, stream>>>(a);
  HS_GPU_CHECK_LAUNCH();
  if (a.num_partitions > 1) {
    const int combine_threads = std::clamp((D + 63) / 64 * 64, 64, 256);
    paged_decode_combine_kernel<T><<<dim3(a.num_heads, a.num_seqs), combine_threads,
                                     combine_shared_bytes(a.num_partitions), stream>>>(a, D);
    HS_GPU_CHECK_LAUNCH();
  }
}

// Query heads per block: the group rounded up to 1, 2, 4 or 8 (larger groups take several blocks).
template <typename T, int D>
void launch_for_head_size(const DecodeAttentionArgs<T>& a, hipStream_t stream) {
  const int group = a.num_heads / a.num_kv_heads;
  if (group == 1) return launch_decode<T, D, 1>(a, stream);
  if (group == 2) return launch_decode<T, D, 2>(a, stream);
  if (group <= 4) return launch_decode<T, D, 4>(a, stream);
  launch_decode<T, D, kDecodeMaxGroup>(a, stream);
}

template <typename T>
void paged_decode_launch(const DecodeAttentionArgs<T>& args, int head_size, hipStream_t stream) {
  switch (head_size) {
    case 64: return launch_for_head_size<T, 64>(args, stream);
    case 80: return launch_for_head_size<T, 80>(args, stream);
    case 96: return launch_for_head_size<T, 96>(args, stream);
    case 128: return launch_for_head_size<T, 128>(args, stream);
    case 256: return launch_for_head_size<T, 256>(args, stream);
    default: throw Error(ErrorCode::unsupported, "paged decode attention: unsupported head size");
  }
}

}  // namespace hipserve::gpu
