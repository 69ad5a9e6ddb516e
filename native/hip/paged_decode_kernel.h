// Device code and launcher of paged decode attention (see paged_decode.h), included by the files that
// instantiate paged_decode_launch for one dtype each (so the two compile side by side).
//
// Lane map inside a wave, for head size D in 16-byte chunks of 8 elements:
//   kLanes = D/8 rounded up to a power of two lanes hold one key row (lanes past D/8 idle),
//   so a wave covers kTokensPerWave = wave / kLanes keys at once; lane = sub * kLanes + chunk.
//
// Each wave streams its own keys with no block-wide barrier until the end: a step is kDecodeUnroll rows per
// lane (K and V), copied into the lane's own slots of a kDecodeStages-deep shared-memory ring (cp.async on
// NVIDIA, so kDecodeStages - 1 steps of loads are in flight while one step is scored), and folded into the
// wave's online softmax (paged_decode_softmax.h). The waves' (max, sum, acc) meet in shared memory once, at the end,
// and go to out or to the partials (paged_decode_reduce.h).
//
//   partition keys:  | w0 step0 | w1 step0 | w2 step0 | w3 step0 | w0 step1 | ...      (step = kU × tokens/wave)
//   lane slots:      ring[stage][K u0..u(kU-1), V u0..u(kU-1)][thread]   (16 bytes each, read back by the same lane)
#pragma once
#include <algorithm>
#include <cstdint>

#include "hip/async_copy.h"
#include "hip/dtypes.h"
#include "hip/paged_decode.h"
#include "hip/paged_decode_reduce.h"
#include "hip/paged_decode_softmax.h"
#include "hip/paged_decode_split.h"
#include "hip/paged_kv_rows.h"
#include "hip/reduce.h"
#include "platform/arch.h"
#include "platform/check.h"
#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

constexpr int kDecodeThreads = kDecodeWaves * HS_WAVE_SIZE;
// A ring of kStages × (K + V) × kUnroll 16-byte slots per lane: 48 KiB for a block of 128 lanes on NVIDIA,
// 32 KiB for 256 lanes on CDNA (whose copies are plain loads, so depth buys less there).
constexpr int kDecodeUnroll = HS_WAVE_SIZE == 32 ? 4 : 2;
constexpr int kDecodeStages = HS_WAVE_SIZE == 32 ? 3 : 2;
constexpr size_t kDecodeRingBytes = size_t{kDecodeStages} * 2 * kDecodeUnroll * kDecodeThreads * 16;

constexpr int pow2_at_least(int n) { return n <= 1 ? 1 : 2 * pow2_at_least((n + 1) / 2); }

template <int D>
struct DecodeLanes {
  static constexpr int kVec = 8;
  static constexpr int kChunks = D / kVec;
  static constexpr int kLanes = pow2_at_least(kChunks);
  static_assert(D % kVec == 0 && kLanes <= HS_WAVE_SIZE, "head size must be a multiple of 8 and fit a wave");
  static constexpr int kTokensPerWave = HS_WAVE_SIZE / kLanes;
  static constexpr int kStepKeys = kDecodeUnroll * kTokensPerWave;  // keys a wave takes per step

  int wave, sub, chunk;
  bool active;  // this lane holds a chunk of the row
  __device__ DecodeLanes() {
    wave = threadIdx.x / HS_WAVE_SIZE;
    const int lane = threadIdx.x % HS_WAVE_SIZE;
    sub = lane / kLanes;
    chunk = lane % kLanes;
    active = chunk < kChunks;
  }
  // The key this lane reads in row u of the wave's step j of a partition starting at `begin`.
  __device__ int token(int begin, int j, int u) const {
    return begin + (j * kDecodeWaves + wave) * kStepKeys + u * kTokensPerWave + sub;
  }
  // Steps of this wave in a partition of n keys.
  __device__ int steps(int n) const {
    const int rest = n - wave * kStepKeys;
    return rest <= 0 ? 0 : (rest + kDecodeWaves * kStepKeys - 1) / (kDecodeWaves * kStepKeys);
  }
};

// Sum over the lanes that share a chunk (the wave's subs): offsets kLanes .. wave/2.
template <int kLanes>
__device__ __forceinline__ float sum_over_subs(float v) {
#pragma unroll
  for (int offset = kLanes; offset < HS_WAVE_SIZE; offset *= 2) v += shfl_xor(v, offset);
  return v;
}
template <typename T>
__device__ __forceinline__ void unpack8(const uint4& raw, float (&out)[8]) {
  const uint32_t w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    out[2 * i] = to_float(T{static_cast<uint16_t>(w[i] & 0xffffu)});
    out[2 * i + 1] = to_float(T{static_cast<uint16_t>(w[i] >> 16)});
  }
}

// kG: query heads per block (1, 2 or 4; registers hold kG query rows and accumulators).
template <typename T, int D, int kG>
__global__ __launch_bounds__(kDecodeThreads, kDecodeBlocksPerCu) void paged_decode_kernel(DecodeAttentionArgs<T> a) {
  using L = DecodeLanes<D>;
  constexpr int kVec = L::kVec, kU = kDecodeUnroll, kS = kDecodeStages;
  extern __shared__ uint4 ring[];  // [kS][2 * kU][kDecodeThreads]; reused at the end for the waves' results

  const DecodeHeads heads = decode_heads<kG>(a);
  const int kv_head = heads.kv_head, head0 = heads.head0, ng = heads.ng;
  const int b = blockIdx.y, part = blockIdx.z;
  const L lanes;

  const int32_t* table = a.block_tables + b * a.block_table_stride;
  const int64_t head_offset = kv_head * a.cache_head_stride + lanes.chunk * kVec;

  // Block-table entries of the next step to issue, read one step ahead so the copy's address is ready; those
  // of keys at or past `limit` are not read.
  int32_t next_block[kU], next_offset[kU];
  auto read_table = [&](int begin, int j, int limit) {
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      const int t = lanes.token(begin, j, u);
      const int idx = t >= limit ? 0 : paged_block_index(a, t);
      next_block[u] = t < limit ? table[idx] : -1;
      next_offset[u] = t - idx * a.block_size;
    }
  };
  // Partition 0 without a sliding window starts at key 0 whatever the sequence's length: its first table
  // entries (any inside the table's row; the copies skip those past the keys) are read beside seq_lens, not
  // after it.
  const bool early = part == 0 && a.sliding_window <= 0;
  if (early) {
    const int64_t table_keys = int64_t{a.max_blocks_per_seq} * a.block_size;
    read_table(0, 0, table_keys < INT32_MAX ? static_cast<int>(table_keys) : INT32_MAX);
  }

  const DecodePartition split = decode_partition(a, b, part);
  if (part > 0 && part >= split.parts) return;  // partition 0 writes zeros for a sequence with no keys
  const int begin = split.begin, end = split.end;
  const int nsteps = lanes.steps(end - begin);
  if (!early) read_table(begin, 0, end);

  uint32_t ok_bits = 0;  // bit stage * kU + u: row u of that stage holds a key to score
  auto issue = [&](int j) {
    const int stage = j % kS;
    uint4* slots = ring + stage * 2 * kU * kDecodeThreads + threadIdx.x;
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      const int t = lanes.token(begin, j, u);
      const bool in_range = t < end;
      const int32_t block = next_block[u];
      const bool ok = in_range && block >= 0 && block < a.num_blocks;
      if (in_range && !ok && lanes.chunk == 0) raise_kernel_fault(a.fault, kFaultBlockTable);
      const int64_t row =
          ok ? block * a.cache_block_stride + next_offset[u] * a.cache_offset_stride + head_offset : 0;
      const bool fill = ok && lanes.active;
      copy_16_async(slots + u * kDecodeThreads, a.key_cache + row, fill);
      copy_16_async(slots + (kU + u) * kDecodeThreads, a.value_cache + row, fill);
      const uint32_t bit = 1u << (stage * kU + u);
      ok_bits = ok ? ok_bits | bit : ok_bits & ~bit;
    }
    async_copy_commit();
    read_table(begin, j + 1, end);
  };
#pragma unroll
  for (int j = 0; j < kS - 1; ++j) issue(j);

  // The query after the first copies: its load overlaps theirs.
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

  for (int j = 0; j < nsteps; ++j) {
    issue(j + kS - 1);  // into the stage that step j - 1 used
    async_copy_wait<kS - 1>();
    const int stage = j % kS;
    const uint4* slots = ring + stage * 2 * kU * kDecodeThreads + threadIdx.x;
    float s[kU][kG];
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      float k[kVec];
      unpack8<T>(slots[u * kDecodeThreads], k);
#pragma unroll
      for (int g = 0; g < kG; ++g) {
        float dot = 0.0f;
#pragma unroll
        for (int i = 0; i < kVec; ++i) dot += q[g][i] * k[i];
        s[u][g] = dot;
      }
    }
    const uint32_t ok = ok_bits >> (stage * kU);
    weigh_step<L::kLanes>(s, running_max, local_sum, acc, ok, a.softcap, lanes.chunk, lanes.sub);
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      float v[kVec];
      unpack8<T>(slots[(kU + u) * kDecodeThreads], v);
#pragma unroll
      for (int g = 0; g < kG; ++g)
#pragma unroll
        for (int i = 0; i < kVec; ++i) acc[g][i] += s[u][g] * v[i];
    }
  }
  async_copy_wait<0>();

  // The wave's subs share its max: sum them, then meet the other waves in shared memory (the ring's space).
  __syncthreads();
  float* wave_acc = reinterpret_cast<float*>(ring);      // [kDecodeWaves][kG][D]
  float* wave_max = wave_acc + kDecodeWaves * kG * D;    // [kDecodeWaves][kG]
  float* wave_sum = wave_max + kDecodeWaves * kG;        // [kDecodeWaves][kG]
#pragma unroll
  for (int g = 0; g < kG; ++g) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) acc[g][i] = sum_over_subs<L::kLanes>(acc[g][i]);
    const float s = sum_over_subs<L::kLanes>(local_sum[g]);
    if (lanes.sub == 0 && lanes.active)
#pragma unroll
      for (int i = 0; i < kVec; ++i) wave_acc[(lanes.wave * kG + g) * D + lanes.chunk * kVec + i] = acc[g][i];
    if (threadIdx.x % HS_WAVE_SIZE == 0) {
      wave_max[lanes.wave * kG + g] = running_max[g];
      wave_sum[lanes.wave * kG + g] = s;
    }
  }
  __syncthreads();

  finish_decode_block<T, D, kG, kDecodeWaves>(a, b, head0, ng, part, split.parts, wave_acc);
}

// Shared memory of a block: the ring, reused at the end for the waves' results and the reducer's weights.
template <int D, int kG>
constexpr size_t decode_shared_bytes(int num_partitions) {
  return std::max(kDecodeRingBytes, decode_finish_floats(D, kG, num_partitions, kDecodeWaves) * sizeof(float));
}

template <typename T, int D, int kG>
void launch_decode(const DecodeAttentionArgs<T>& a, hipStream_t stream) {
  static_assert(decode_shared_bytes<D, kG>(kDecodeMaxPartitions) <= 48 * 1024, "fits without opting in");
  const dim3 grid = decode_grid(a, kG, kDecodeMaxPartitions);
  paged_decode_kernel<T, D, kG><<<grid, kDecodeThreads, decode_shared_bytes<D, kG>(a.num_partitions), stream>>>(a);
  HS_GPU_CHECK_LAUNCH();
}

// Query heads per block: the group rounded up to 1, 2 or 4 (larger groups take several blocks).
template <typename T, int D>
void launch_for_head_size(const DecodeAttentionArgs<T>& a, hipStream_t stream) {
  static_assert(kDecodeMaxGroup == 4, "instantiate the kernel for each group size up to kDecodeMaxGroup");
  const int group = a.num_heads / a.num_kv_heads;
  if (group == 1) return launch_decode<T, D, 1>(a, stream);
  if (group == 2) return launch_decode<T, D, 2>(a, stream);
  launch_decode<T, D, 4>(a, stream);
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
