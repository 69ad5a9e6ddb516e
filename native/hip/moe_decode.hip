// The decode path of fused MoE: few pairs per expert, so each wave streams whole weight rows from memory (16
// bytes a lane) and dots them with the activation rows of every pair of its tile, which come from cache.
//
//   gate_up: block (tile b, 4 columns n) — wave n: rows n and I + n of w13[e] · x[token of each pair]
//            ─▶ act[row, n] = act(gate, up)
//   down:    block (tile b, 8 rows h)    — wave: rows h, h + 1 of w2[e] · act[row] ─▶ y[pair, h]
#include "hip/dtypes.h"
#include "hip/moe_kernels.h"
#include "hip/reduce.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"

namespace hipserve::gpu {
namespace {

constexpr int kWaves = 4;
constexpr int kDownRows = 2;  // weight rows per wave in the down GEMV

// acc[r][m] = Σ_k w[r][k] · a[m][k] over the wave, for the first `count` of M activation rows.
template <typename T, int M, int kRows>
__device__ __forceinline__ void wave_dots(const T* const (&w)[kRows], const T* const (&a)[M], int count, int len,
                                          float (&acc)[kRows][M]) {
#pragma unroll
  for (int r = 0; r < kRows; ++r)
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = 0.0f;
  const int lane = threadIdx.x % HS_WAVE_SIZE;
#pragma unroll 2
  for (int k = lane * 8; k < len; k += HS_WAVE_SIZE * 8) {
    float wv[kRows][8];
#pragma unroll
    for (int r = 0; r < kRows; ++r) load_vec<T, 8>(w[r] + k, wv[r]);
#pragma unroll
    for (int m = 0; m < M; ++m) {
      if (m < count) {
        float av[8];
        load_vec<T, 8>(a[m] + k, av);
#pragma unroll
        for (int r = 0; r < kRows; ++r)
#pragma unroll
          for (int i = 0; i < 8; ++i) acc[r][m] = fmaf(wv[r][i], av[i], acc[r][m]);
      }
    }
  }
#pragma unroll
  for (int r = 0; r < kRows; ++r)
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = group_sum(acc[r][m]);
}

// The tile's expert (or -1 when the tile is unused) and how many of its M rows are pairs (they come first).
template <int M>
__device__ __forceinline__ int tile_pairs(const MoeAlignment& align, int pairs, int32_t (&p)[M], int& count) {
  if (static_cast<int>(blockIdx.x) >= *align.used_blocks) return -1;
  count = 0;
#pragma unroll
  for (int m = 0; m < M; ++m) {
    p[m] = align.sorted_pairs[blockIdx.x * M + m];
    if (p[m] < pairs) count = m + 1;
  }
  return align.block_expert[blockIdx.x];
}

template <typename T, int M>
__global__ void __launch_bounds__(kWaves* HS_WAVE_SIZE) moe_decode_gate_up(MoeArgs<T> a) {
  int32_t p[M];
  int count;
  const int e = tile_pairs<M>(a.align, a.pairs, p, count);
  const int n = blockIdx.y * kWaves + threadIdx.x / HS_WAVE_SIZE;
  if (e < 0 || n >= a.inter) return;
  const T* x_rows[M];
#pragma unroll
  for (int m = 0; m < M; ++m) x_rows[m] = a.x + (m < count ? p[m] / a.top_k : 0) * a.x_stride;
  const T* we = a.w13 + e * a.w13_expert_stride;
  const T* const w[2] = {we + n * a.w13_row_stride, we + (n + a.inter) * a.w13_row_stride};
  float acc[2][M];
  wave_dots<T, M, 2>(w, x_rows, count, a.hidden, acc);
  if (threadIdx.x % HS_WAVE_SIZE != 0) return;
  const float bg = a.b13 ? a.b13[e * a.b13_stride + n] : 0.0f;
  const float bu = a.b13 ? a.b13[e * a.b13_stride + a.inter + n] : 0.0f;
#pragma unroll
  for (int m = 0; m < M; ++m)
    if (m < count)
      a.act[(int64_t{blockIdx.x} * M + m) * a.inter + n] =
          from_float<T>(moe_activation(a.activation, acc[0][m] + bg, acc[1][m] + bu, a.alpha, a.limit));
}

template <typename T, int M>
__global__ void __launch_bounds__(kWaves* HS_WAVE_SIZE) moe_decode_down(MoeArgs<T> a) {
  int32_t p[M];
  int count;
  const int e = tile_pairs<M>(a.align, a.pairs, p, count);
  const int h = (blockIdx.y * kWaves + threadIdx.x / HS_WAVE_SIZE) * kDownRows;
  if (e < 0 || h >= a.hidden) return;  // H is even: both rows exist
  const T* act_rows[M];
#pragma unroll
  for (int m = 0; m < M; ++m) act_rows[m] = a.act + (int64_t{blockIdx.x} * M + m) * a.inter;
  const T* we = a.w2 + e * a.w2_expert_stride + h * a.w2_row_stride;
  const T* const w[kDownRows] = {we, we + a.w2_row_stride};
  float acc[kDownRows][M];
  wave_dots<T, M, kDownRows>(w, act_rows, count, a.inter, acc);
  if (threadIdx.x % HS_WAVE_SIZE != 0) return;
#pragma unroll
  for (int r = 0; r < kDownRows; ++r) {
    const float bias = a.b2 ? a.b2[e * a.b2_stride + h + r] : 0.0f;
#pragma unroll
    for (int m = 0; m < M; ++m)
      if (m < count) a.y[int64_t{p[m]} * a.hidden + h + r] = acc[r][m] + bias;
  }
}

template <typename T, int M>
void launch_tile(const MoeArgs<T>& args, const MoeAlignPlan& plan, hipStream_t stream) {
  const unsigned blocks = static_cast<unsigned>(plan.max_blocks);
  const dim3 threads(kWaves * HS_WAVE_SIZE);
  moe_decode_gate_up<T, M><<<dim3(blocks, (args.inter + kWaves - 1) / kWaves), threads, 0, stream>>>(args);
  HS_GPU_CHECK_LAUNCH();
  const int rows_per_block = kWaves * kDownRows;
  moe_decode_down<T, M><<<dim3(blocks, (args.hidden + rows_per_block - 1) / rows_per_block), threads, 0, stream>>>(
      args);
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace

template <typename T>
void moe_decode_launch(const MoeArgs<T>& args, const MoeAlignPlan& plan, hipStream_t stream) {
  switch (plan.tile) {
    case 1: return launch_tile<T, 1>(args, plan, stream);
    case 2: return launch_tile<T, 2>(args, plan, stream);
    case 4: return launch_tile<T, 4>(args, plan, stream);
    default: return launch_tile<T, 8>(args, plan, stream);
  }
}

template void moe_decode_launch<bf16>(const MoeArgs<bf16>&, const MoeAlignPlan&, hipStream_t);
template void moe_decode_launch<f16>(const MoeArgs<f16>&, const MoeAlignPlan&, hipStream_t);

}  // namespace hipserve::gpu
