// The skinny-GEMM kernel of gemv.h and its launcher.
//
//   block b: weight rows [R·b, R·b + R), R = 16 · kTiles      wave v of V: K steps [v·S, (v+1)·S), 32 k a step
//
//      w rows ──16 B loads──▶ A (16 rows × 32 k) ─┐
//      x rows ──16 B loads──▶ B (32 k × tokens)  ─┴─ 2 matrix-core ops a step ─▶ f32 partial sums (registers)
//                                                    ─▶ shared [V][R][tokens] ─ Σ over waves (+ bias) ─▶ out
//
// Each lane's 16-byte load holds 8 consecutive k; the dot product does not care in which order k is summed, so
// the kernel gives both operands the same permutation of k within a step, the one that puts those 8 elements
// into the lane's own slots of the vendor's fragment layout (two 16-deep operations take 4 each): no shuffles,
// no shared-memory staging, and the weight stream is all 16-byte loads. Rows past N repeat row N - 1 and token
// rows past T are zero; their results are dropped. K steps reaching past K load zeros.
#pragma once
#include <algorithm>
#include <cstdint>

#include "hip/async_copy.h"
#include "hip/dtypes.h"
#include "hip/gated_activation.h"
#include "hip/launch.h"
#include "hip/matrix_core.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"

namespace hipserve::gpu {

constexpr int kGemvStepK = mc::kStreamK;
constexpr int kGemvTileRows = 16;
constexpr int kGemvMaxWaves = 16;
constexpr int kRingStages = 4;
constexpr int kRingChunks = 4;  // 16-byte weight chunks per lane per stage

template <typename T, typename Out>
struct GemvArgs {
  const T* x;  // token rows; gated: gate [0, k) then up [k, 2k)
  int64_t x_stride;
  const T* w;
  int64_t w_stride;
  const Out* bias;  // nullptr: none
  Out* out;
  int64_t out_stride;
  int tokens, n, k;
};

// Which input the token rows are.
enum class GemvInput { plain, silu, gelu_tanh };

// How a wave reads the weights: one element a load (unaligned rows or K % 8 != 0); 16-byte loads into registers,
// kUnroll steps at a time; or 16-byte asynchronous copies (cp.async, NVIDIA sm_80+) into a per-wave ring of
// kRingStages stages in shared memory, so the next stages stream in while one is multiplied.
enum class GemvLoads { elements, registers, ring };

// The launch shape gemv.hip chose: 16-row tiles per wave (1 or 2), waves per block, the loads.
struct GemvPlan {
  int tiles;
  int waves;
  GemvLoads loads;
};

// Picks the kernel instance (gemv_dispatch.h; instantiated per dtype in gemv_bf16.hip, gemv_f16.hip).
template <typename T, typename Out>
void gemv_dispatch(const GemvArgs<T, Out>& args, GemvInput input, const GemvPlan& plan, hipStream_t stream);

#if defined(HS_GPU_DEVICE_CODE)
namespace gemv_detail {

__device__ __forceinline__ int lane() { return threadIdx.x % HS_WAVE_SIZE; }

// The operands come as matrix_core.h's register-fed tiles (mc::stream_*): a lane's 16-byte loads are weight rows
// mc::stream_line(j) and token row mc::stream_line(0) at k mc::stream_k() of a 32-wide step.
constexpr int kRowLoads = mc::kStreamLines;  // weight rows a lane loads per 16-row tile
__device__ __forceinline__ int row_of_load(int j) { return mc::stream_line(j); }
__device__ __forceinline__ int k_of_lane() { return mc::stream_k(); }
__device__ __forceinline__ int token_of_lane() { return mc::stream_line(0); }

#if defined(HS_GPU_CUDA)
// One mma.sync m16n8k16 per 16 k: 8 tokens (B columns) per operation, C rows g, g + 8 × tokens 2c, 2c + 1 for
// lane 4g + c (tokens 8-15 take a second group of operations).
constexpr int kTokensPerOp = 8;
__device__ __forceinline__ int accum_row(int i) { return lane() / 4 + 8 * (i / 2); }
__device__ __forceinline__ int accum_token(int i) { return 2 * (lane() % 4) + i % 2; }

template <typename T>
__device__ __forceinline__ void mma_step(float (&c)[4], const uint4 (&w)[kRowLoads], const uint4& x) {
  const uint4 columns[kRowLoads] = {x, make_uint4(0, 0, 0, 0)};  // B columns g (the token) and g + 8 (unused)
#pragma unroll
  for (int s = 0; s < mc::kStreamSteps; ++s) {
    const mc::FragB b = mc::stream_frag_b(columns, s);
    mc::mma_m16n8k16<T>(c, mc::stream_frag_a(w, s).r, b.r[0], b.r[1]);
  }
}
#else
// MFMA 16x16x16: 16 tokens per operation, C rows 4q..4q+3 × token r for lane 16q + r.
constexpr int kTokensPerOp = 16;
__device__ __forceinline__ int accum_row(int i) { return 4 * (lane() / 16) + i; }
__device__ __forceinline__ int accum_token(int) { return lane() % 16; }

template <typename T>
__device__ __forceinline__ void mma_step(float (&c)[4], const uint4 (&w)[kRowLoads], const uint4& x) {
  const uint4 columns[kRowLoads] = {x};
  mc::Accum acc{{c[0], c[1], c[2], c[3]}};
#pragma unroll
  for (int s = 0; s < mc::kStreamSteps; ++s) mc::mma<T>(acc, mc::stream_frag_a(w, s), mc::stream_frag_b(columns, s));
#pragma unroll
  for (int i = 0; i < 4; ++i) c[i] = acc.x[i];
}
#endif
constexpr int kAccum = 4;  // C elements per lane per operation

// Steps whose loads a wave issues before it multiplies: 8 weight loads of 16 bytes per lane in flight, unless the
// operands of that many steps (kTokenLoads 16-byte token loads a step) would pass 16 × 16 bytes a lane and spill.
template <int kTiles, int kTokenLoads>
constexpr int kUnroll = std::max(1, std::min(8 / (kTiles * kRowLoads), 16 / (kTiles * kRowLoads + kTokenLoads)));

union Vec8 {
  uint4 raw;
  uint16_t bits[8];
};

// 16 bytes read once (the weights): on NVIDIA past L1 (ld.global.nc with no L1 allocation), which then keeps
// the token rows that every wave of the SM reads.
__device__ __forceinline__ uint4 load_once(const void* p) {
#if defined(HS_GPU_CUDA)
  uint4 v;
  asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];\n"
      : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
      : "l"(p));
  return v;
#else
  return *static_cast<const uint4*>(p);
#endif
}

// The 8 elements row[k..k+7], zero past len: one 16-byte load when kVec, else one load each. kGuard false: the
// caller knows k + 8 <= len. kOnce: data read once (load_once).
template <typename T, bool kVec, bool kGuard, bool kOnce = false>
__device__ __forceinline__ uint4 load8(const T* row, int k, int len) {
  if constexpr (kVec) {
    if (kGuard && k >= len) return make_uint4(0, 0, 0, 0);
    if constexpr (kOnce) return load_once(row + k);
    else return *reinterpret_cast<const uint4*>(row + k);
  } else {
    Vec8 v;
#pragma unroll
    for (int j = 0; j < 8; ++j) v.bits[j] = !kGuard || k + j < len ? row[k + j].bits : uint16_t{0};
    return v.raw;
  }
}

// A token row's operand: loaded in one phase, finished after every load of the step is issued.
template <typename T, GemvInput kInput>
struct TokenRows;

template <typename T>
struct TokenRows<T, GemvInput::plain> {
  struct Raw {
    uint4 x;
  };
  template <bool kVec, bool kGuard>
  __device__ __forceinline__ static Raw load(const T* row, int k, int len) {
    return {load8<T, kVec, kGuard>(row, k, len)};
  }
  __device__ __forceinline__ static uint4 operand(const Raw& r) { return r.x; }
};

// act(gate) * up, rounded to T: what the act-and-mul kernel stores.
template <typename T, typename Act>
struct GatedTokenRows {
  struct Raw {
    uint4 gate, up;
  };
  template <bool kVec, bool kGuard>
  __device__ __forceinline__ static Raw load(const T* row, int k, int len) {
    return {load8<T, kVec, kGuard>(row, k, len), load8<T, kVec, kGuard>(row + len, k, len)};
  }
  __device__ __forceinline__ static uint4 operand(const Raw& r) {
    Vec8 g{r.gate}, u{r.up}, out;
    const Act act;
#pragma unroll
    for (int j = 0; j < 8; ++j) out.bits[j] = from_float<T>(act(to_float(T{g.bits[j]})) * to_float(T{u.bits[j]})).bits;
    return out.raw;
  }
};

template <typename T>
struct TokenRows<T, GemvInput::silu> : GatedTokenRows<T, Silu> {};
template <typename T>
struct TokenRows<T, GemvInput::gelu_tanh> : GatedTokenRows<T, GeluTanh> {};

__device__ __forceinline__ float as_float(float v) { return v; }
template <typename T>
__device__ __forceinline__ float as_float(T v) {
  return to_float(v);
}

template <typename Out>
__device__ __forceinline__ Out to_out(float v) {
  if constexpr (sizeof(Out) == 4) return v;
  else return from_float<Out>(v);
}

// One wave's accumulators over kU steps from `step`: every load of the kU steps first, then the operations.
template <typename T, GemvInput kInput, int kTiles, int kGroups, bool kVec, int kU, bool kGuard>
__device__ __forceinline__ void wave_steps(int step, const T* (&w_rows)[kTiles][kRowLoads],
                                           const T* (&x_rows)[kGroups], const bool (&x_live)[kGroups], int len,
                                           float (&acc)[kTiles][kGroups][kAccum]) {
  using Rows = TokenRows<T, kInput>;
  uint4 wv[kU][kTiles][kRowLoads];
  typename Rows::Raw xv[kU][kGroups];
#pragma unroll
  for (int u = 0; u < kU; ++u) {
    const int k = (step + u) * kGemvStepK + k_of_lane();
#pragma unroll
    for (int t = 0; t < kTiles; ++t)
#pragma unroll
      for (int j = 0; j < kRowLoads; ++j) wv[u][t][j] = load8<T, kVec, kGuard, true>(w_rows[t][j], k, len);
#pragma unroll
    for (int g = 0; g < kGroups; ++g)
      xv[u][g] = x_live[g] ? Rows::template load<kVec, kGuard>(x_rows[g], k, len) : typename Rows::Raw{};
  }
#pragma unroll
  for (int u = 0; u < kU; ++u)
#pragma unroll
    for (int g = 0; g < kGroups; ++g) {
      const uint4 x = x_live[g] ? Rows::operand(xv[u][g]) : make_uint4(0, 0, 0, 0);
#pragma unroll
      for (int t = 0; t < kTiles; ++t) mma_step<T>(acc[t][g], wv[u][t], x);
    }
}


// The ring variant over this wave's steps [begin, end): stage j holds the weight chunks of kU steps from
// begin + j·kU; stage j + kRingStages - 1 is issued once stage j is multiplied (its slot was stage j - 1's). Each
// lane copies and reads back only its own slots, so waiting for its own copy groups is all the synchronization.
template <typename T, GemvInput kInput, int kTiles, int kGroups>
__device__ __forceinline__ void wave_ring(int begin, int end, const T* (&w_rows)[kTiles][kRowLoads],
                                          const T* (&x_rows)[kGroups], const bool (&x_live)[kGroups], int len,
                                          uint4* ring, float (&acc)[kTiles][kGroups][kAccum]) {
  using Rows = TokenRows<T, kInput>;
  constexpr int kU = kRingChunks / (kTiles * kRowLoads);
  static_assert(kU * kTiles * kRowLoads == kRingChunks, "a stage is kRingChunks chunks");
  const int stages = end > begin ? (end - begin + kU - 1) / kU : 0;
  auto slot = [&](int stage, int u, int t, int j) {
    return ring + (((stage % kRingStages) * kU + u) * kTiles * kRowLoads + t * kRowLoads + j) * HS_WAVE_SIZE + lane();
  };
  auto issue = [&](int stage) {
    if (stage < stages) {
#pragma unroll
      for (int u = 0; u < kU; ++u) {
        const int step = begin + stage * kU + u, k = step * kGemvStepK + k_of_lane();
        const bool fill = step < end && k < len;
#pragma unroll
        for (int t = 0; t < kTiles; ++t)
#pragma unroll
          for (int j = 0; j < kRowLoads; ++j)
            copy_16_async(slot(stage, u, t, j), w_rows[t][j] + (fill ? k : 0), fill);
      }
    }
    async_copy_commit();  // empty past the end, so the group count stays in step
  };
#pragma unroll
  for (int stage = 0; stage < kRingStages - 1; ++stage) issue(stage);
  for (int stage = 0; stage < stages; ++stage) {
    async_copy_wait<kRingStages - 2>();
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      const int step = begin + stage * kU + u;
      if (step >= end) break;
      const int k = step * kGemvStepK + k_of_lane();
      uint4 x[kGroups];
#pragma unroll
      for (int g = 0; g < kGroups; ++g)
        x[g] = x_live[g] ? Rows::operand(Rows::template load<true, true>(x_rows[g], k, len)) : make_uint4(0, 0, 0, 0);
#pragma unroll
      for (int t = 0; t < kTiles; ++t) {
        uint4 w[kRowLoads];
#pragma unroll
        for (int j = 0; j < kRowLoads; ++j) w[j] = *slot(stage, u, t, j);
#pragma unroll
        for (int g = 0; g < kGroups; ++g) mma_step<T>(acc[t][g], w, x[g]);
      }
    }
    issue(stage + kRingStages - 1);
  }
  async_copy_wait<0>();
}

template <int kTiles, int kMaxTokens>
constexpr int kPartialFloats = kTiles * kGemvTileRows * ((kMaxTokens + kTokensPerOp - 1) / kTokensPerOp * kTokensPerOp);

}  // namespace gemv_detail

template <typename T, typename Out, GemvInput kInput, int kMaxTokens, int kTiles, GemvLoads kLoads>
__global__ void __launch_bounds__(kGemvMaxWaves* HS_WAVE_SIZE) gemv_kernel(GemvArgs<T, Out> a) {
  using namespace gemv_detail;
  constexpr int kGroups = (kMaxTokens + kTokensPerOp - 1) / kTokensPerOp;
  constexpr int kRows = kTiles * kGemvTileRows, kCols = kGroups * kTokensPerOp;
  constexpr int kU = kUnroll<kTiles, kGroups * (kInput == GemvInput::plain ? 1 : 2)>;
  constexpr bool kVec = kLoads != GemvLoads::elements;
  extern __shared__ uint4 gemv_shared[];  // ring: [waves][kRingStages][kRingChunks][lanes], then partial sums

  const int wave = threadIdx.x / HS_WAVE_SIZE, waves = blockDim.x / HS_WAVE_SIZE;
  const int row0 = blockIdx.x * kRows;
  const T* w_rows[kTiles][kRowLoads];
#pragma unroll
  for (int t = 0; t < kTiles; ++t)
#pragma unroll
    for (int j = 0; j < kRowLoads; ++j)
      w_rows[t][j] = a.w + min(row0 + kGemvTileRows * t + row_of_load(j), a.n - 1) * a.w_stride;
  const T* x_rows[kGroups];
  bool x_live[kGroups];
#pragma unroll
  for (int g = 0; g < kGroups; ++g) {
    const int token = g * kTokensPerOp + token_of_lane();
    x_live[g] = token < a.tokens;
    x_rows[g] = a.x + min(token, a.tokens - 1) * a.x_stride;
  }
  float acc[kTiles][kGroups][kAccum] = {};

  const int steps = (a.k + kGemvStepK - 1) / kGemvStepK, per_wave = (steps + waves - 1) / waves;
  const int begin = min(steps, wave * per_wave), end = min(steps, begin + per_wave);
  const int full_end = min(end, a.k / kGemvStepK);  // steps before it lie wholly inside K
  float* partial = reinterpret_cast<float*>(gemv_shared);  // [waves][kRows][kCols]
  if constexpr (kLoads == GemvLoads::ring) {
    constexpr int kRingVecs = kRingStages * kRingChunks * HS_WAVE_SIZE;
    wave_ring<T, kInput, kTiles, kGroups>(begin, end, w_rows, x_rows, x_live, a.k, gemv_shared + wave * kRingVecs,
                                          acc);
    partial = reinterpret_cast<float*>(gemv_shared + waves * kRingVecs);
  } else {
    int s = begin;
    for (; s + kU <= full_end; s += kU)
      wave_steps<T, kInput, kTiles, kGroups, kVec, kU, false>(s, w_rows, x_rows, x_live, a.k, acc);
    for (; s < end; ++s) wave_steps<T, kInput, kTiles, kGroups, kVec, 1, true>(s, w_rows, x_rows, x_live, a.k, acc);
  }

  float* mine = partial + wave * kRows * kCols;
#pragma unroll
  for (int t = 0; t < kTiles; ++t)
#pragma unroll
    for (int g = 0; g < kGroups; ++g)
#pragma unroll
      for (int i = 0; i < kAccum; ++i)
        mine[(kGemvTileRows * t + accum_row(i)) * kCols + g * kTokensPerOp + accum_token(i)] = acc[t][g][i];
  __syncthreads();
  for (int e = threadIdx.x; e < kRows * a.tokens; e += blockDim.x) {
    const int r = e % kRows, token = e / kRows, row = row0 + r;
    if (row >= a.n) continue;
    float sum = a.bias != nullptr ? as_float(a.bias[row]) : 0.0f;
    for (int v = 0; v < waves; ++v) sum += partial[(v * kRows + r) * kCols + token];
    a.out[token * a.out_stride + row] = to_out<Out>(sum);
  }
}

// Dynamic shared memory of a launch: the ring (when used) and the partial sums.
template <int kTiles, int kMaxTokens, GemvLoads kLoads>
constexpr size_t gemv_shared_bytes(int waves) {
  const size_t ring = kLoads == GemvLoads::ring ? sizeof(uint4) * kRingStages * kRingChunks * HS_WAVE_SIZE : 0;
  return waves * (ring + sizeof(float) * gemv_detail::kPartialFloats<kTiles, kMaxTokens>);
}

template <typename T, typename Out, GemvInput kInput, int kMaxTokens, int kTiles, GemvLoads kLoads>
void gemv_launch(const GemvArgs<T, Out>& args, int waves, hipStream_t stream) {
  constexpr auto kernel = &gemv_kernel<T, Out, kInput, kMaxTokens, kTiles, kLoads>;
  constexpr size_t kMaxShared = gemv_shared_bytes<kTiles, kMaxTokens, kLoads>(kGemvMaxWaves);
  if constexpr (kMaxShared > 48 * 1024) allow_dynamic_shared<kernel>(kMaxShared);
  const unsigned blocks = static_cast<unsigned>((args.n + kTiles * kGemvTileRows - 1) / (kTiles * kGemvTileRows));
  kernel<<<blocks, waves * HS_WAVE_SIZE, gemv_shared_bytes<kTiles, kMaxTokens, kLoads>(waves), stream>>>(args);
  HS_GPU_CHECK_LAUNCH();
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
