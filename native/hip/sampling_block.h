// Block-level building blocks of the sampling kernels (one block per logits row, kSamplingThreads threads):
// order-preserving float keys, an (value, index) argmax reduction and an inclusive scan across the block.
#pragma once
#include <cstdint>

#include "hip/reduce.h"
#include "platform/arch.h"

namespace hipserve::gpu {

// Threads per row block: a multiple of every wave size, and the scan width of block_inclusive_scan.
constexpr int kSamplingThreads = 1024;

#if defined(HS_GPU_DEVICE_CODE)

// An unsigned key ordered like x, NaN ordered as -inf (as cpu::float_keys); key_to_float inverts it.
__device__ __forceinline__ uint32_t float_key(float x) {
  uint32_t b = x == x ? __float_as_uint(x) : 0xff800000u;
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

__device__ __forceinline__ float key_to_float(uint32_t key) {
  return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// (value, index) with the larger value winning and the lower index among equals; NaN never wins.
struct ArgMax {
  float value;
  int32_t index;  // INT32_MAX: nothing seen yet

  __device__ __forceinline__ void take(float v, int32_t i) {
    if (v > value || (v == value && i < index)) {
      value = v;
      index = i;
    }
  }
};

// Every thread receives the block's winner; `scratch` holds kMaxWavesPerBlock entries.
__device__ __forceinline__ ArgMax block_argmax(ArgMax a, ArgMax* scratch) {
#pragma unroll
  for (int offset = HS_WAVE_SIZE / 2; offset > 0; offset /= 2)
    a.take(shfl_xor(a.value, offset), shfl_xor(a.index, offset));
  const int wave = threadIdx.x / HS_WAVE_SIZE, lane = threadIdx.x % HS_WAVE_SIZE;
  if (lane == 0) scratch[wave] = a;
  __syncthreads();
  ArgMax best = scratch[0];
  for (int w = 1; w < static_cast<int>(blockDim.x / HS_WAVE_SIZE); ++w) best.take(scratch[w].value, scratch[w].index);
  __syncthreads();
  return best;
}

// Inclusive prefix sum over threadIdx.x order (Hillis-Steele in `s`, blockDim.x entries).
template <typename T>
__device__ T block_inclusive_scan(T v, T* s) {
  const int t = threadIdx.x;
  s[t] = v;
  __syncthreads();
  for (int offset = 1; offset < static_cast<int>(blockDim.x); offset *= 2) {
    const T add = t >= offset ? s[t - offset] : T(0);
    __syncthreads();
    s[t] += add;
    __syncthreads();
  }
  const T out = s[t];
  __syncthreads();
  return out;
}


// Row r of logits as the sampler sees it: divided by the row's temperature (1 leaves it exact).
struct ScaledRow {
  const float* x;
  float temperature;
  __device__ __forceinline__ float operator()(int i) const { return x[i] / temperature; }
};

// Loads a thread issues before using the first: one block streams a whole row, and with one load in flight per
// thread a 128k-entry row took ~55 µs (latency-bound), not the few µs its bytes need.
constexpr int kRowLoadsInFlight = 16;

// f(value(i), i) for this thread's indices i ≡ threadIdx.x (mod blockDim.x) below n, in increasing order.
template <typename Value, typename F>
__device__ __forceinline__ void for_each_row_value(const Value& value, int n, F&& f) {
  for (int base = threadIdx.x; base < n; base += kRowLoadsInFlight * blockDim.x) {
    float v[kRowLoadsInFlight];
#pragma unroll
    for (int u = 0; u < kRowLoadsInFlight; ++u) {
      const int i = base + u * static_cast<int>(blockDim.x);
      v[u] = i < n ? value(i) : 0.0f;
    }
#pragma unroll
    for (int u = 0; u < kRowLoadsInFlight; ++u) {
      const int i = base + u * static_cast<int>(blockDim.x);
      if (i < n) f(v[u], i);
    }
  }
}

// The largest value of the row, NaN ignored (-inf when there is none); every thread receives it.
template <typename Value>
__device__ float block_row_max(const Value& value, int n, float* scratch) {
  float m = -INFINITY;
  for_each_row_value(value, n, [&](float v, int) { m = fmaxf(m, v); });
  return block_max(m, scratch);
}

// The lowest index of the row's largest value (NaN ignored; 0 when the row holds only NaN).
template <typename Value>
__device__ int32_t block_row_argmax(const Value& value, int n, ArgMax* scratch) {
  ArgMax a{-INFINITY, INT32_MAX};
  for_each_row_value(value, n, [&](float v, int i) { a.take(v, i); });
  a = block_argmax(a, scratch);
  return a.index == INT32_MAX ? 0 : a.index;
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
