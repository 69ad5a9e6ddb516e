// Per-head GEMM of latent attention's weight absorption, one launch for every head (a strided batched GEMM):
//
//   out[t, h, :] = x[t, h, :] · w[h]ᵀ        x [T, H, K], w [H, N, K] (per head as nn.Linear stores it), out [T, H, N]
//
// q_nope · W_UK takes w[h] = W_UKᵀ [L, nope]; the attention's latent · W_UV takes w[h] = W_UV [v, L] as
// kv_b_proj stores it. x and out may be strided per token and per head (views into wider rows); innermost dims
// dense. bf16 or f16 throughout, f32 accumulation on matrix cores, rounded once. K and N are multiples of 8.
//
//   grid (N / 64, H, T / 64), one block of 4 waves per 64 × 64 tile of one head, K in steps of 32 through shared
//   memory (the next step's loads in registers while this step is multiplied). Decode-sized T reads each head's
//   weights once.
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

template <typename T>
struct MlaHeadGemmArgs {
  const T* x;
  int64_t x_token_stride, x_head_stride;
  const T* w;  // [H, N, K] contiguous
  T* out;
  int64_t out_token_stride, out_head_stride;
  int tokens, heads, n, k;
};

template <typename T>
void mla_head_gemm_launch(const MlaHeadGemmArgs<T>& args, hipStream_t stream);

void mla_head_gemm(const TensorView& x, const TensorView& w, const TensorView& out, hipStream_t stream);

}  // namespace hipserve::gpu
