// The per-ISA half of matmul: the launcher (matmul.cpp) validates, packs and splits the work over threads;
// each instruction set supplies two panel routines that compute out[:, n_begin:n_end) for its share.
//   dot:     small M (decode). Each weight row is streamed once and dotted with up to a few rows of x.
//   blocked: large M (prefill). x is packed transposed in blocks of kPackRows rows, so a micro-kernel
//            broadcasts one weight and multiplies it by kPackRows rows of x at once (outer products).
#pragma once
#include <cstdint>

#include "cpu_isa.h"
#include "hipserve/tensor_view.h"

namespace hipserve::cpu {

// Packed x layout, block b = rows [b * kPackRows, (b + 1) * kPackRows) of x, zero-filled past M:
//   x_packed[(b * k + kk) * kPackRows + r] = x[b * kPackRows + r, kk]
constexpr int64_t kPackRows = 16;
// The blocked routine works through its rows in chunks of this many panels (see matmul_tiles.h).
constexpr int64_t kBlockedChunkPanels = 8;

struct MatmulProblem {
  const float* x = nullptr;  // [m, k], row stride x_stride
  int64_t x_stride = 0;
  const void* w = nullptr;   // [n, k] of w_dtype, row stride w_stride
  DType w_dtype = DType::f32;
  int64_t w_stride = 0;
  const float* bias = nullptr;  // [n] or null
  float* out = nullptr;         // [m, n], row stride out_stride
  int64_t out_stride = 0;
  int64_t m = 0, n = 0, k = 0;
  const float* x_packed = nullptr;  // the blocked path's packed x (see above)
};

using MatmulPanelFn = void (*)(const MatmulProblem& p, int64_t n_begin, int64_t n_end);

struct MatmulIsaKernels {
  MatmulPanelFn dot;
  MatmulPanelFn blocked;
  int64_t dot_rows;      // weight rows per dot micro-kernel: thread shares are multiples of it
  int64_t blocked_rows;  // same for the blocked micro-kernel
};

// The kernels of `isa`, or the scalar ones where this build lacks it.
const MatmulIsaKernels& matmul_kernels_for(Isa isa);
const MatmulIsaKernels& matmul_kernels_scalar();
#if defined(HS_HAVE_AVX2)
const MatmulIsaKernels& matmul_kernels_avx2();
#endif
#if defined(HS_HAVE_AVX512)
const MatmulIsaKernels& matmul_kernels_avx512();
#endif
#if defined(HS_HAVE_NEON)
const MatmulIsaKernels& matmul_kernels_neon();
#endif

}  // namespace hipserve::cpu
