// One block's 16 × 16 tile product for the MoE decode path (moe_decode.hip), streamed from global memory:
//
//   C[r][c] = Σ_{k < len} W[r][k] · B[c][k]     W: 16 weight rows, B: 16 activation rows (pairs), by pointer
//
// Rows and columns come as the pointers this lane loads (mc::stream_line; null: zeros), so the weights go from
// memory to the matrix cores without shared memory. Each of the block's kWaves waves takes one contiguous
// quarter of K; its lanes load kLoads adjacent 16-byte pieces of every row at a time (a wave reads each row
// 128 bytes at a time), kUnroll such chunks in flight. The waves leave their sums in
// partial[wave]; wave_total adds them in wave order (deterministic).
#pragma once
#include "hip/matrix_core.h"
#include "platform/arch.h"

namespace hipserve::gpu::moe_decode {

constexpr int kWaves = 4;
constexpr int kThreads = kWaves * HS_WAVE_SIZE;
constexpr int kCols = mc::kDim;  // pairs per tile product
constexpr int kWindow = 256;     // pairs scanned at a time when a block gathers its expert's pairs
constexpr int kLoads = 2;   // adjacent 16-byte loads per row and lane
constexpr int kChunk = mc::kStreamK * kLoads;  // k per chunk
constexpr int kUnroll = 2;  // chunks in flight per wave

#if defined(HS_GPU_DEVICE_CODE)

template <typename T>
struct WeightRows {
  const T* row[mc::kStreamLines];
};

template <typename T>
__device__ __forceinline__ uint4 load_line(const T* p, int k, int len) {
  return p && k < len ? *reinterpret_cast<const uint4*>(p + k) : uint4{0, 0, 0, 0};
}

template <typename T>
__device__ __forceinline__ void tile_product(const WeightRows<T>& rows, const T* const (&cols)[mc::kStreamLines],
                                             int len, float (&partial)[kWaves][kCols][kCols]) {
  const int wave = threadIdx.x / HS_WAVE_SIZE, lane_k = mc::stream_k() * kLoads;
  const int span = ((len + kWaves - 1) / kWaves + kChunk - 1) / kChunk * kChunk;
  const int begin = wave * span, end = min(len, begin + span);  // multiples of 8: a lane's piece is in or out
  mc::Accum acc;
  mc::zero(acc);
  for (int k0 = begin; k0 < end; k0 += kChunk * kUnroll) {
    uint4 w[kUnroll * kLoads][mc::kStreamLines], b[kUnroll * kLoads][mc::kStreamLines];
#pragma unroll
    for (int u = 0; u < kUnroll * kLoads; ++u) {
      const int k = k0 + (u / kLoads) * kChunk + lane_k + (u % kLoads) * 8;
#pragma unroll
      for (int j = 0; j < mc::kStreamLines; ++j) {
        w[u][j] = load_line(rows.row[j], k, end);
        b[u][j] = load_line(cols[j], k, end);
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll * kLoads; ++u)
#pragma unroll
      for (int s = 0; s < mc::kStreamSteps; ++s)
        mc::mma<T>(acc, mc::stream_frag_a(w[u], s), mc::stream_frag_b(b[u], s));
  }
#pragma unroll
  for (int i = 0; i < mc::kAccumElems; ++i) partial[wave][mc::accum_row(i)][mc::accum_col(i)] = acc.x[i];
  __syncthreads();
}

__device__ __forceinline__ float wave_total(const float (&partial)[kWaves][kCols][kCols], int r, int c) {
  float sum = partial[0][r][c];
#pragma unroll
  for (int w = 1; w < kWaves; ++w) sum += partial[w][r][c];
  return sum;
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu::moe_decode
