// One wave's 16×16×16 matrix-core step, C (f32) += A · Bᵀ with A [16 rows, 16 k] and B [16 cols, 16 k] of bf16 or
// f16 read from shared memory (k contiguous in both). nvcuda::wmma on NVIDIA, MFMA builtins on CDNA (gfx90a and
// later). Written inside the MoE kernels because native/hip/matrix_core.h was not on main yet; it is small on
// purpose so the two can be merged.
//
// mma<T>(c, a, b) names T: it cannot be deduced through the fragment types.
// Accumulators of one wave have the same element → (row, col) mapping, so element-wise work on two of them (gate
// and up) is valid; store() writes one to shared memory as a row-major [16, 16] f32 tile.
#pragma once
#include <type_traits>

#include "hip/dtypes.h"
#include "platform/arch.h"

namespace hipserve::gpu::moe_mma {

#if defined(HS_GPU_DEVICE_CODE)
#if defined(HS_GPU_CUDA)

template <typename T>
struct Native;
template <>
struct Native<bf16> {
  using type = __nv_bfloat16;
};
template <>
struct Native<f16> {
  using type = __half;
};

template <typename T>
using FragA = nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 16, typename Native<T>::type,
                                     nvcuda::wmma::row_major>;
template <typename T>
using FragB = nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 16, typename Native<T>::type,
                                     nvcuda::wmma::col_major>;
using Acc = nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 16, float>;

__device__ __forceinline__ void zero(Acc& c) { nvcuda::wmma::fill_fragment(c, 0.0f); }

// ld: elements between rows, a multiple of 8; p: 32-byte aligned.
template <typename T>
__device__ __forceinline__ void load_a(FragA<T>& a, const T* p, int ld) {
  nvcuda::wmma::load_matrix_sync(a, reinterpret_cast<const typename Native<T>::type*>(p), ld);
}
template <typename T>
__device__ __forceinline__ void load_b(FragB<T>& b, const T* p, int ld) {
  nvcuda::wmma::load_matrix_sync(b, reinterpret_cast<const typename Native<T>::type*>(p), ld);
}
template <typename T>
__device__ __forceinline__ void mma(Acc& c, const FragA<T>& a, const FragB<T>& b) {
  nvcuda::wmma::mma_sync(c, a, b, c);
}
__device__ __forceinline__ void store(float* p, const Acc& c, int ld) {
  nvcuda::wmma::store_matrix_sync(p, c, ld, nvcuda::wmma::mem_row_major);
}

#else  // CDNA: v_mfma_f32_16x16x16{f16,bf16_1k}, 64 lanes; lane l holds A[l % 16][4(l / 16) + i],
       // B[4(l / 16) + i][l % 16] and C[4(l / 16) + i][l % 16], i = 0..3.

typedef float Float4 __attribute__((ext_vector_type(4)));
typedef _Float16 Half4 __attribute__((ext_vector_type(4)));
typedef short Short4 __attribute__((ext_vector_type(4)));

template <typename T>
struct Operand {
  using type = Short4;
};
template <>
struct Operand<f16> {
  using type = Half4;
};

template <typename T>
struct FragA {
  typename Operand<T>::type v;
};
template <typename T>
using FragB = FragA<T>;
struct Acc {
  Float4 v;
};

__device__ __forceinline__ void zero(Acc& c) { c.v = Float4{0.0f, 0.0f, 0.0f, 0.0f}; }

template <typename T>
__device__ __forceinline__ void load_rows(FragA<T>& f, const T* p, int ld) {
  const int lane = threadIdx.x % 64;
  __builtin_memcpy(&f.v, p + (lane % 16) * ld + (lane / 16) * 4, sizeof f.v);
}
template <typename T>
__device__ __forceinline__ void load_a(FragA<T>& a, const T* p, int ld) { load_rows(a, p, ld); }
template <typename T>
__device__ __forceinline__ void load_b(FragB<T>& b, const T* p, int ld) { load_rows(b, p, ld); }

template <typename T>
__device__ __forceinline__ void mma(Acc& c, const FragA<T>& a, const FragB<T>& b) {
  if constexpr (std::is_same_v<T, bf16>)
    c.v = __builtin_amdgcn_mfma_f32_16x16x16bf16_1k(a.v, b.v, c.v, 0, 0, 0);
  else
    c.v = __builtin_amdgcn_mfma_f32_16x16x16f16(a.v, b.v, c.v, 0, 0, 0);
}
__device__ __forceinline__ void store(float* p, const Acc& c, int ld) {
  const int lane = threadIdx.x % 64;
#pragma unroll
  for (int i = 0; i < 4; ++i) p[((lane / 16) * 4 + i) * ld + lane % 16] = c.v[i];
}

#endif
#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu::moe_mma
