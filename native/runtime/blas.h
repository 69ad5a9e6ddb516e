// Dense GEMM through the vendor BLAS: hipBLASLt on AMD, cuBLASLt on NVIDIA, loaded at run time (blas_library.h).
//
//   out[T, N] = x[T, K] · w[N, K]ᵀ (+ bias[N])     w as nn.Linear stores it, like the CPU matmul (ops.h)
//
// x and w: bf16 or f16 (the same); out: x's dtype or f32; bias [N] (optional): out's dtype, added by the GEMM's
// epilogue. Products are accumulated in f32 and rounded once. Rows may be strided (x a column slice of a wider
// tensor: stride(0) >= K), innermost dims dense. Pointers and row strides aligned to 16 bytes take the fast
// tensor-core kernels; where the library has no kernel for the alignment given, the call throws `unsupported`.
//
// One library handle and one 32 MiB workspace per device, made by blas_init on first use and kept until exit.
// Without the library (no libcublasLt.so.13/.12 or libhipblaslt.so.0/.1 on the machine) both throw `unsupported`.
// The algorithm is cached per (T, N, K, row strides, dtypes, bias, alignments): the heuristic's first choice, or for
// T <= 256 the fastest of its first 8, timed on the first call made outside a graph capture (that call waits for
// the device once; HIPSERVE_BLAS_TUNE=0 keeps the first choice).
// Otherwise a call enqueues one GEMM on `stream`: no allocation, no synchronization, so it can be captured into a
// graph, provided blas_init(device) ran before the capture began (matmul throws `invalid_argument` when it would
// have to create the handle during a capture). Calls on different streams of one device share the workspace: they
// must not run concurrently.
#pragma once
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// Creates the device's BLAS handle and workspace unless they exist. Not capturable; call it before capturing.
void blas_init(int device);

void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out,
            hipStream_t stream);

}  // namespace hipserve::gpu
