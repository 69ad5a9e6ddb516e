// The dense layer's entry: out[T, N] = x[T, K] · w[N, K]ᵀ (+ bias[N]), choosing the kernel by T.
//
//   T <= kLinearGemvMaxTokens ─▶ gemv (hip/gemv.h: weight streaming on the matrix cores, one kernel)
//   otherwise                 ─▶ matmul (runtime/blas.h: hipBLASLt / cuBLASLt)
//
// gated_linear is the MLP's down projection fused with its activation: out = act(x2[:, :I]) * x2[:, I:] · wᵀ for
// x2 [T, 2I] (the gate_up projection's output) and w [N, I]. Small T runs gated_gemv; larger T the act-and-mul
// kernel into a temporary from the caching allocator, then matmul. Both round act(gate) * up to the dtype.
// Semantics, dtypes and errors as gpu::matmul's; nothing blocks, so both can be captured into a graph (run one
// call of each BLAS shape before capturing: blas.h).
#pragma once
#include "hip/activation.h"
#include "hip/gemv.h"
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// automatic: up to this many tokens take the GEMV (measured on an H200: PERF.md, gemv section).
constexpr int kLinearGemvMaxTokens = 8;

enum class LinearPath { automatic, gemv, blas };  // gemv/blas force a kernel (tests, benchmarks)

struct LinearOptions {
  LinearPath path = LinearPath::automatic;
  GemvConfig gemv;  // the GEMV's launch shape when it runs (0: automatic)
};

void linear(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out,
            hipStream_t stream, const LinearOptions& options = {});

void gated_linear(GatedActivation act, const TensorView& x2, const TensorView& w, const TensorView* bias,
                  const TensorView& out, hipStream_t stream, const LinearOptions& options = {});

}  // namespace hipserve::gpu
