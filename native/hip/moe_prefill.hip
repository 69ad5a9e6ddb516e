// The prefill path of fused MoE: a grouped GEMM on matrix cores over the aligned tiles, one launch per GEMM.
//
//   block (tile b of BM pairs, 64 output columns), 4 waves of 16 columns each, K in steps of 64:
//     shared A [BM, 64] (x rows of the tile's pairs, or act rows) and W [64 or 128, 64] (weight rows; for
//     gate_up the 64 gate rows then the matching 64 up rows), filled from registers that already hold the
//     next step's loads while the waves run their 16×16×16 MMAs (moe_mma.h) on this one.
//   epilogue through shared memory: gate_up ─▶ act[row, n] = act(gate, up); down ─▶ y[pair, h]
#include <algorithm>

#include "hip/dtypes.h"
#include "hip/moe_kernels.h"
#include "hip/moe_mma.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"

namespace hipserve::gpu {
namespace {

constexpr int kWaves = 4;
constexpr int kCols = 16 * kWaves;  // output columns per block
constexpr int kStep = 64;           // K per pass through shared memory
constexpr int kLd = kStep + 8;      // shared row stride in elements (padding spreads the banks)

template <typename T, int BM, bool kGateUp>
__global__ void __launch_bounds__(kWaves* HS_WAVE_SIZE) moe_prefill_gemm(MoeArgs<T> a) {
  using namespace moe_mma;
  constexpr int kThreads = kWaves * HS_WAVE_SIZE;
  constexpr int kGroups = kGateUp ? 2 : 1;  // accumulators per column: gate and up, or one
  constexpr int kWRows = kGroups * kCols;
  constexpr int kRows = BM + kWRows;
  constexpr int kVecs = kRows * (kStep / 8);
  constexpr int kPerThread = (kVecs + kThreads - 1) / kThreads;
  constexpr int kTileBytes = kRows * kLd * 2;
  constexpr int kEpilogueBytes = kWaves * kGroups * BM * 16 * 4;
  __shared__ __attribute__((aligned(128))) unsigned char smem[kTileBytes > kEpilogueBytes ? kTileBytes : kEpilogueBytes];
  __shared__ const T* a_rows[BM];

  const int blk = blockIdx.x;
  if (blk >= *a.align.used_blocks) return;
  const int e = a.align.block_expert[blk];
  const int32_t* tile_pairs = a.align.sorted_pairs + int64_t{blk} * BM;
  const int len = kGateUp ? a.hidden : a.inter;  // K
  const int width = kGateUp ? a.inter : a.hidden;  // N
  const int n0 = blockIdx.y * kCols;
  for (int r = threadIdx.x; r < BM; r += kThreads) {
    if (kGateUp) {
      const int p = tile_pairs[r];
      a_rows[r] = p < a.pairs ? a.x + p / a.top_k * a.x_stride : nullptr;
    } else {
      a_rows[r] = a.act + (int64_t{blk} * BM + r) * a.inter;
    }
  }
  __syncthreads();

  // Where each of this thread's vectors comes from (null: zeros) and goes.
  const T* src[kPerThread];
  int dst[kPerThread];
#pragma unroll
  for (int i = 0; i < kPerThread; ++i) {
    const int v = threadIdx.x + i * kThreads;
    const int row = v / (kStep / 8), kv = v % (kStep / 8);
    dst[i] = v < kVecs ? row * kLd + kv * 8 : -1;
    src[i] = nullptr;
    if (v >= kVecs) continue;
    if (row < BM) {
      src[i] = a_rows[row];
    } else {
      const int wr = row - BM, col = n0 + wr % kCols;
      if (col < width) {
        const T* w = kGateUp ? a.w13 + e * a.w13_expert_stride + (col + (wr >= kCols ? a.inter : 0)) * a.w13_row_stride
                             : a.w2 + e * a.w2_expert_stride + col * a.w2_row_stride;
        src[i] = w;
      }
    }
    if (src[i]) src[i] += kv * 8;
  }
  uint4 staged[kPerThread];
  auto load = [&](int k0) {
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      const int kv = (threadIdx.x + i * kThreads) % (kStep / 8);
      staged[i] = src[i] && k0 + kv * 8 < len ? *reinterpret_cast<const uint4*>(src[i] + k0) : uint4{0, 0, 0, 0};
    }
  };

  T* tile = reinterpret_cast<T*>(smem);
  const T* a_tile = tile;
  const T* w_tile = tile + BM * kLd;
  const int wave = threadIdx.x / HS_WAVE_SIZE;
  Acc acc[kGroups][BM / 16];
#pragma unroll
  for (int g = 0; g < kGroups; ++g)
#pragma unroll
    for (int m = 0; m < BM / 16; ++m) zero(acc[g][m]);

  load(0);
  for (int k0 = 0; k0 < len; k0 += kStep) {
    __syncthreads();  // the previous step's MMAs are done with the tile
#pragma unroll
    for (int i = 0; i < kPerThread; ++i)
      if (dst[i] >= 0) *reinterpret_cast<uint4*>(tile + dst[i]) = staged[i];
    __syncthreads();
    if (k0 + kStep < len) load(k0 + kStep);
#pragma unroll
    for (int kk = 0; kk < kStep; kk += 16) {
      FragB<T> b[kGroups];
#pragma unroll
      for (int g = 0; g < kGroups; ++g) load_b(b[g], w_tile + (g * kCols + wave * 16) * kLd + kk, kLd);
#pragma unroll
      for (int m = 0; m < BM / 16; ++m) {
        FragA<T> fa;
        load_a(fa, a_tile + m * 16 * kLd + kk, kLd);
#pragma unroll
        for (int g = 0; g < kGroups; ++g) mma<T>(acc[g][m], fa, b[g]);
      }
    }
  }
  __syncthreads();

  float* c = reinterpret_cast<float*>(smem) + wave * kGroups * BM * 16;  // [kGroups][BM][16] of this wave
#pragma unroll
  for (int g = 0; g < kGroups; ++g)
#pragma unroll
    for (int m = 0; m < BM / 16; ++m) store(c + (g * BM + m * 16) * 16, acc[g][m], 16);
  __syncthreads();
  for (int idx = threadIdx.x % HS_WAVE_SIZE; idx < BM * 16; idx += HS_WAVE_SIZE) {
    const int r = idx / 16, col = n0 + wave * 16 + idx % 16;
    if (col >= width) continue;
    if (kGateUp) {
      const float bg = a.b13 ? a.b13[e * a.b13_stride + col] : 0.0f;
      const float bu = a.b13 ? a.b13[e * a.b13_stride + a.inter + col] : 0.0f;
      a.act[(int64_t{blk} * BM + r) * a.inter + col] =
          from_float<T>(moe_activation(a.activation, c[idx] + bg, c[BM * 16 + idx] + bu, a.alpha, a.limit));
    } else {
      const int p = tile_pairs[r];
      if (p < a.pairs) a.y[int64_t{p} * a.hidden + col] = c[idx] + (a.b2 ? a.b2[e * a.b2_stride + col] : 0.0f);
    }
  }
}

template <typename T, int BM>
void launch_tile(const MoeArgs<T>& args, const MoeAlignPlan& plan, hipStream_t stream) {
  const unsigned blocks = static_cast<unsigned>(plan.max_blocks);
  const dim3 threads(kWaves * HS_WAVE_SIZE);
  moe_prefill_gemm<T, BM, true><<<dim3(blocks, (args.inter + kCols - 1) / kCols), threads, 0, stream>>>(args);
  HS_GPU_CHECK_LAUNCH();
  moe_prefill_gemm<T, BM, false><<<dim3(blocks, (args.hidden + kCols - 1) / kCols), threads, 0, stream>>>(args);
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace

template <typename T>
void moe_prefill_launch(const MoeArgs<T>& args, const MoeAlignPlan& plan, hipStream_t stream) {
  switch (plan.tile) {
    case 16: return launch_tile<T, 16>(args, plan, stream);
    case 32: return launch_tile<T, 32>(args, plan, stream);
    default: return launch_tile<T, 64>(args, plan, stream);
  }
}

template void moe_prefill_launch<bf16>(const MoeArgs<bf16>&, const MoeAlignPlan&, hipStream_t);
template void moe_prefill_launch<f16>(const MoeArgs<f16>&, const MoeAlignPlan&, hipStream_t);

}  // namespace hipserve::gpu
