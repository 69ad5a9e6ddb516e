// Element types of the GPU kernels. Activations are bf16 or f16, held as 16-bit patterns (so one definition
// serves every HIP and CUDA version) and converted to f32 for arithmetic; results are rounded once, to nearest
// even. load_vec/store_vec move N elements in one access (N = 8 is 16 bytes: one global load per lane).
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

struct bf16 {
  uint16_t bits;
};
struct f16 {
  uint16_t bits;
};

// Host side: calls fn(T{}) with T the element type of a bf16 or f16 dtype (the entry has checked which).
template <typename Fn>
void dispatch_half(DType dtype, Fn&& fn) {
  if (dtype == DType::bf16)
    fn(bf16{});
  else
    fn(f16{});
}

#if defined(HS_GPU_DEVICE_CODE)

__device__ __forceinline__ float to_float(bf16 x) { return __uint_as_float(static_cast<uint32_t>(x.bits) << 16); }
__device__ __forceinline__ float to_float(f16 x) { return __half2float(__ushort_as_half(x.bits)); }

template <typename T>
__device__ T from_float(float x);

template <>
__device__ __forceinline__ bf16 from_float<bf16>(float x) {
  uint32_t u = __float_as_uint(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return bf16{static_cast<uint16_t>((u >> 16) | 0x40u)};  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return bf16{static_cast<uint16_t>(u >> 16)};
}

template <>
__device__ __forceinline__ f16 from_float<f16>(float x) {
  return f16{__half_as_ushort(__float2half_rn(x))};
}

// x rounded to T and back: what storing x as T and reading it again gives.
template <typename T>
__device__ __forceinline__ float round_to(float x) {
  return to_float(from_float<T>(x));
}

template <int kBytes>
struct RawVec;
template <>
struct RawVec<16> {
  using type = uint4;
};
template <>
struct RawVec<8> {
  using type = uint2;
};
template <>
struct RawVec<4> {
  using type = uint32_t;
};
template <>
struct RawVec<2> {
  using type = uint16_t;
};

// N elements at p (aligned to N * 2 bytes) as floats.
template <typename T, int N>
__device__ __forceinline__ void load_vec(const T* p, float (&out)[N]) {
  union {
    typename RawVec<N * 2>::type raw;
    uint16_t bits[N];
  } u;
  u.raw = *reinterpret_cast<const typename RawVec<N * 2>::type*>(p);
#pragma unroll
  for (int i = 0; i < N; ++i) out[i] = to_float(T{u.bits[i]});
}

template <typename T, int N>
__device__ __forceinline__ void store_vec(T* p, const float (&in)[N]) {
  union {
    typename RawVec<N * 2>::type raw;
    uint16_t bits[N];
  } u;
#pragma unroll
  for (int i = 0; i < N; ++i) u.bits[i] = from_float<T>(in[i]).bits;
  *reinterpret_cast<typename RawVec<N * 2>::type*>(p) = u.raw;
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
