// Skinny GEMM for decode (T = 1..16 tokens): a weight-streaming kernel on the matrix cores.
//
//   gemv:       out[T, N] = x[T, K] · w[N, K]ᵀ (+ bias[N])
//   gated_gemv: out[T, N] = act(x2[:, :K]) * x2[:, K:] · w[N, K]ᵀ (+ bias[N])   x2 [T, 2K]: gate | up
//
// The semantics of gpu::matmul (runtime/blas.h): x, x2 and w bf16 or f16 (the same); out x's dtype or f32;
// bias out's dtype; rows may be strided (stride(0) >= width), innermost dims dense; f32 accumulation, one
// rounding. gated_gemv rounds act(gate) * up to the dtype before the product, as the act-and-mul kernel
// (activation.h) stores it, so it matches that kernel followed by a matmul up to summation order.
//
// How (gemv_kernel.h): a block owns 16 or 32 weight rows; its waves split K, each streaming its rows with
// 16-byte loads and multiplying them by the T token rows (read through the cache) on the matrix cores, with K
// permuted inside each 32-wide step so that both operands come straight from those loads; the waves' partial
// sums meet in shared memory. The weights stream through registers, or (NVIDIA) through a per-wave cp.async ring
// in shared memory. One kernel, no workspace, nothing blocks: capturable into a graph.
// Rows of 16-byte aligned starts and strides with K a multiple of 8 take 16-byte loads, others element loads.
#pragma once
#include "hip/activation.h"
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

constexpr int kGemvMaxTokens = 16;

// Launch shape; 0 picks automatically (gemv.hip, from the H200 sweep). rows_per_wave: 16 or 32; waves: 1..16 per
// block; ring: 1 streams the weights through a cp.async ring in shared memory (NVIDIA), -1 through registers.
struct GemvConfig {
  int rows_per_wave = 0;
  int waves = 0;
  int ring = 0;
};

void gemv(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out,
          hipStream_t stream, GemvConfig config = {});

void gated_gemv(GatedActivation act, const TensorView& x2, const TensorView& w, const TensorView* bias,
                const TensorView& out, hipStream_t stream, GemvConfig config = {});

}  // namespace hipserve::gpu
