// The dense layer's entry: out[T, N] = x[T, K] · w[N, K]ᵀ (+ bias[N]), choosing the kernel.
//
//   T <= 8 and N·K <= 4096² ─▶ gemv (hip/gemv.h: weight streaming on the matrix cores, one kernel)
//   otherwise               ─▶ matmul (runtime/blas.h: hipBLASLt / cuBLASLt)
//
// The rule is what an H200 measured (PERF.md, gemv section): the GEMV beats cuBLASLt only where cuBLASLt splits
// K and adds a reduce kernel (the 4096 × 4096 attention output: 11.1 vs 12.8 µs at T = 1); on the larger
// decode shapes cuBLASLt streams the weights faster.
//
// gated_linear is the MLP's down projection after its activation: out = act(x2[:, :I]) * x2[:, I:] · wᵀ for x2
// [T, 2I] (the gate_up projection's output) and w [N, I]. Automatic: the act-and-mul kernel into a temporary from
// the caching allocator, then linear (measured faster than the fused GEMV, which recomputes the activation in
// every 16-row block); path gemv forces the fused kernel (gated_gemv), blas the BLAS GEMM. act(gate) * up is
// rounded to the dtype on every path. Semantics, dtypes and errors as gpu::matmul's; nothing blocks, so both
// can be captured into a graph (run one call of each BLAS shape before capturing: blas.h).
#pragma once
#include <cstdint>

#include "hip/activation.h"
#include "hip/gemv.h"
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// automatic: up to this many tokens and weights this small take the GEMV (measured on an H200: PERF.md).
constexpr int kLinearGemvMaxTokens = 8;
constexpr int64_t kLinearGemvMaxWeights = int64_t{4096} * 4096;

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
