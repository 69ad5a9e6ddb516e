// What the fused-MoE entry (moe_fused.hip) hands its two paths: the routing, the weights, the scratch buffers and
// out. The prefill path writes
//   act [max_rows, I] (T):  act(x[token] · w13[e]ᵀ + b13[e]) for row r of the aligned list (padding rows too)
//   y   [T·k, H]    (f32):  act[row of pair p] · w2[e]ᵀ + b2[e], by pair p = t·k + j
// and moe_combine sums y into out. The decode path needs no alignment: it keeps act by pair ([T·k, I]) and
// combines into out itself.
#pragma once
#include <cstdint>

#include "hip/moe_align.h"
#include "hipserve/ops.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

template <typename T>
struct MoeArgs {
  const T* x;
  int64_t x_stride;
  const T* w13;
  int64_t w13_expert_stride, w13_row_stride;
  const float* b13;  // [E, 2I] or null
  int64_t b13_stride;
  const T* w2;
  int64_t w2_expert_stride, w2_row_stride;
  const float* b2;  // [E, H] or null
  int64_t b2_stride;
  const int32_t* topk_ids;  // [T, k]
  int64_t ids_stride;
  const float* topk_weights;  // [T, k]
  int64_t weights_stride;
  MoeAlignment align;  // prefill only
  T* act;
  float* y;
  int32_t* done;  // decode only: [ceil(H / 16)] counters, zeroed by the gate_up kernel
  int32_t* fault;
  T* out;
  int64_t out_stride;
  bool accumulate;
  int tokens, experts, hidden, inter, top_k, pairs;
  MoeActivation activation;
  float alpha, limit;
};

// Decode path: per (expert, 16 columns of its GEMM) a block streams the weight rows once, on matrix cores, for
// up to 16 of the expert's pairs at a time; no alignment kernel, and the combine is folded into the down GEMV.
// Scratch: act [pairs, I], y [pairs, H], done [moe_decode_done_counters(H)].
template <typename T>
void moe_decode_launch(const MoeArgs<T>& args, hipStream_t stream);

__host__ __device__ constexpr int64_t moe_decode_done_counters(int64_t hidden) { return (hidden + 15) / 16; }

// Prefill path: grouped GEMM on matrix cores over tiles of `tile` (16, 32 or 64) pairs.
template <typename T>
void moe_prefill_launch(const MoeArgs<T>& args, const MoeAlignPlan& plan, hipStream_t stream);

#if defined(HS_GPU_DEVICE_CODE)
__device__ __forceinline__ float moe_activation(MoeActivation kind, float gate, float up, float alpha, float limit) {
  if (kind == MoeActivation::silu) return gate / (1.0f + __expf(-gate)) * up;
  const float g = fminf(gate, limit);
  const float u = fminf(fmaxf(up, -limit), limit);
  return (u + 1.0f) * g / (1.0f + __expf(-alpha * g));
}
#endif

}  // namespace hipserve::gpu
