// The end of a paged decode block (see paged_decode_kernel.h): its heads' result either goes straight to `out`
// (the sequence's keys fit one partition) or joins the partials, and the last block of a (sequence, head group)
// to finish reduces them.
//
//   block (group, b, part) ─ partial (acc, max, sum) ─ __threadfence ─ ticket = atomicAdd(counter[b, group])
//        ticket < parts - 1: done          ticket == parts - 1: reset the counter, rescale every partial to the
//                                                               common max, divide ─▶ out
//
// The counters are a device global, zero at load and reset to zero by each reducer, so a launch finds them zero
// whether eager or replayed from a graph. They are shared by every call on the device: calls on two streams
// of one device must not run at the same time (hipserve enqueues all its work on one stream per device).
#pragma once
#include <cstdint>

#include "hip/dtypes.h"
#include "hip/paged_decode.h"
#include "hip/reduce.h"
#include "platform/arch.h"

namespace hipserve::gpu {

// Floats of shared memory reduce_partitions needs for a block of `threads`.
constexpr size_t decode_reduce_scratch(int group, int num_partitions, int threads) {
  return size_t{4} * threads + size_t(group) * (num_partitions + 1);
}

// Floats of shared memory finish_decode_block needs: the waves' results, then reduce_partitions' scratch.
constexpr size_t decode_finish_floats(int head_size, int group, int num_partitions, int threads) {
  return size_t{kDecodeWaves} * group * head_size + 2 * kDecodeWaves * group +
         decode_reduce_scratch(group, num_partitions, threads);
}

#if defined(HS_GPU_DEVICE_CODE)

// [num_seqs × blocks per partition] of a launch, at most kDecodeCounters (plan_decode_partitions).
static __device__ uint32_t decode_counters[kDecodeCounters];

// value / (sum + e^sink) with both brought to a common max: the head's output from its unnormalised sums.
__device__ __forceinline__ float normalized(float value, float sum, float head_max, float sink) {
  const float top = fmaxf(head_max, sink);
  const float keep = top == -INFINITY ? 0.0f : __expf(head_max - top);
  const float den = sum * keep + (sink == -INFINITY ? 0.0f : __expf(sink - top));
  return den > 0.0f ? value * keep / den : 0.0f;
}

// Takes a ticket for (b, group); true in the block that arrived last, which also resets the counter.
// Every thread of the block must have written its partials. `flag` is one int of the block's dynamic shared
// memory (a static __shared__ would push the block past 48 KiB).
__device__ __forceinline__ bool last_to_arrive(int counter, int parts, int* flag) {
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) {
    const bool last = atomicAdd(&decode_counters[counter], 1u) == static_cast<uint32_t>(parts - 1);
    if (last) decode_counters[counter] = 0;
    *flag = last;
  }
  __syncthreads();
  const bool last = *flag != 0;
  if (last) __threadfence();
  return last;
}

// Reduces the `parts` partials (each wave weighs those of every waves-th head) of heads head0 .. head0 + ng - 1 of sequence b into out. `scratch` holds
// decode_reduce_scratch(kG, num_partitions, blockDim.x) floats, 16-byte aligned. The partials were written by other blocks of this launch and
// made visible by last_to_arrive's fences. Latency, not bandwidth, decides its time (partials are read from L2):
// each thread sums one 4-float column over a slice of the partials with many loads in flight, and the slices meet
// in shared memory.
template <typename T, int D, int kG>
__device__ void reduce_partitions(const DecodeAttentionArgs<T>& a, int b, int head0, int ng, int parts,
                                  float* scratch) {
  static_assert(D % 4 == 0, "float4 columns");
  const int wave = threadIdx.x / HS_WAVE_SIZE, lane = threadIdx.x % HS_WAVE_SIZE;
  const int waves = blockDim.x / HS_WAVE_SIZE;
  const int64_t row0 = static_cast<int64_t>(b) * a.num_heads + head0;
  float4* slice_sums = reinterpret_cast<float4*>(scratch);  // [blockDim.x]
  float* weights = scratch + 4 * blockDim.x;                // [kG][num_partitions]
  float* factor = weights + kG * a.num_partitions;          // [kG]: out = factor × Σ weight × acc
  for (int g = wave; g < ng; g += waves) {
    const float* pmax = a.partial_max + (row0 + g) * a.num_partitions;
    const float* psum = a.partial_sum + (row0 + g) * a.num_partitions;
    float m = -INFINITY;
    for (int p = lane; p < parts; p += HS_WAVE_SIZE) m = fmaxf(m, pmax[p]);
    m = group_max(m);
    float s = 0.0f;
    for (int p = lane; p < parts; p += HS_WAVE_SIZE) {
      const float pm = pmax[p];
      const float w = pm == -INFINITY ? 0.0f : __expf(pm - m);
      weights[g * a.num_partitions + p] = w;
      s += psum[p] * w;
    }
    s = group_sum(s);
    if (lane == 0) factor[g] = normalized(1.0f, s, m, a.sinks != nullptr ? a.sinks[head0 + g] : -INFINITY);
  }
  __syncthreads();

  constexpr int kColumnsPerHead = D / 4;
  const int columns = ng * kColumnsPerHead;
  const int slices = max(1, static_cast<int>(blockDim.x) / columns);
  auto store = [&](int column, float4 v) {
    const int g = column / kColumnsPerHead, d = column % kColumnsPerHead * 4;
    T* o = a.out + b * a.out_token_stride + (head0 + g) * a.out_head_stride + d;
    const float f = factor[g];
    o[0] = from_float<T>(v.x * f);
    o[1] = from_float<T>(v.y * f);
    o[2] = from_float<T>(v.z * f);
    o[3] = from_float<T>(v.w * f);
  };
  for (int t = threadIdx.x; t < slices * columns; t += blockDim.x) {
    const int column = t % columns, slice = t / columns, g = column / kColumnsPerHead;
    const float4* acc = reinterpret_cast<const float4*>(a.partial_acc + (row0 + g) * a.num_partitions * D) +
                        column % kColumnsPerHead;
    const float* w = weights + g * a.num_partitions;
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll 8
    for (int p = slice; p < parts; p += slices) {
      const float4 x = acc[p * kColumnsPerHead];
      const float wp = w[p];
      v.x += x.x * wp;
      v.y += x.y * wp;
      v.z += x.z * wp;
      v.w += x.w * wp;
    }
    if (slices == 1)
      store(column, v);
    else
      slice_sums[t] = v;
  }
  if (slices == 1) return;
  __syncthreads();
  for (int column = threadIdx.x; column < columns; column += blockDim.x) {
    float4 v = slice_sums[column];
    for (int slice = 1; slice < slices; ++slice) {
      const float4 x = slice_sums[slice * columns + column];
      v.x += x.x;
      v.y += x.y;
      v.z += x.z;
      v.w += x.w;
    }
    store(column, v);
  }
}

// The end of a decode block whose kDecodeWaves waves left their unnormalised results for query heads head0 ..
// head0 + ng - 1 in shared memory at `results` (decode_finish_floats(D, kG, ...) floats, 16-byte aligned):
//   acc [kDecodeWaves][kG][D], then max and sum [kDecodeWaves][kG]   (the waves' own running maxima)
// They meet at the heads' common max and go to out (the sequence's keys fit one partition: parts <= 1) or to
// partial `part` of `parts`; the block that finishes a (sequence, head group) last reduces the partials. Every
// thread of the block calls it after a __syncthreads.
template <typename T, int D, int kG>
__device__ void finish_decode_block(const DecodeAttentionArgs<T>& a, int b, int head0, int ng, int part, int parts,
                                    float* results) {
  const float* wave_acc = results;
  const float* wave_max = wave_acc + kDecodeWaves * kG * D;
  const float* wave_sum = wave_max + kDecodeWaves * kG;
  const int64_t row0 = static_cast<int64_t>(b) * a.num_heads + head0;  // (b, head0) in [B, Hq]
  for (int idx = threadIdx.x; idx < ng * D; idx += blockDim.x) {
    const int g = idx / D, d = idx % D;
    float head_max = -INFINITY;
    for (int w = 0; w < kDecodeWaves; ++w) head_max = fmaxf(head_max, wave_max[w * kG + g]);
    float value = 0.0f, sum = 0.0f;
    for (int w = 0; w < kDecodeWaves; ++w) {
      const float wm = wave_max[w * kG + g];
      const float f = wm == -INFINITY ? 0.0f : __expf(wm - head_max);
      value += wave_acc[(w * kG + g) * D + d] * f;
      sum += wave_sum[w * kG + g] * f;
    }
    if (parts <= 1) {
      const float sink = a.sinks != nullptr ? a.sinks[head0 + g] : -INFINITY;
      a.out[b * a.out_token_stride + (head0 + g) * a.out_head_stride + d] =
          from_float<T>(normalized(value, sum, head_max, sink));
    } else {
      const int64_t slot = (row0 + g) * a.num_partitions + part;
      a.partial_acc[slot * D + d] = value;
      if (d == 0) {
        a.partial_max[slot] = head_max;
        a.partial_sum[slot] = sum;
      }
    }
  }
  if (parts <= 1) return;
  float* scratch = results + kDecodeWaves * kG * (D + 2);  // past the results; 16-byte aligned
  if (!last_to_arrive(b * gridDim.x + blockIdx.x, parts, reinterpret_cast<int*>(scratch))) return;
  reduce_partitions<T, D, kG>(a, b, head0, ng, parts, scratch);
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
