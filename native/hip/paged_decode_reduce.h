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
#include "hip/softmax_sink.h"
#include "platform/arch.h"

namespace hipserve::gpu {

// Floats of shared memory reduce_partitions needs for a block of `threads`.
constexpr size_t decode_reduce_scratch(int group, int num_partitions, int threads) {
  return size_t{4} * threads + size_t(group) * (num_partitions + 1);
}

// Floats of shared memory finish_decode_block needs in a block of `waves`: their results (rows of row_floats),
// then reduce_partitions' scratch.
constexpr size_t decode_finish_floats(int row_floats, int group, int num_partitions, int waves) {
  return size_t(waves) * group * row_floats + 2 * size_t(waves) * group +
         decode_reduce_scratch(group, num_partitions, waves * HS_WAVE_SIZE);
}

#if defined(HS_GPU_DEVICE_CODE)

// [num_seqs × blocks per partition] of a launch, at most kDecodeCounters (plan_decode_partitions).
static __device__ uint32_t decode_counters[kDecodeCounters];

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

// Reduces the `parts` partials of heads head0 .. head0 + ng - 1 of sequence b into out, in a block of kThreads.
// `scratch` holds decode_reduce_scratch(kG, num_partitions, kThreads) floats, 16-byte aligned. The partials were
// written by other blocks of this launch and made visible by last_to_arrive's fences. Latency, not bandwidth,
// decides its time (partials are read from L2), so every step keeps many loads in flight: kHeadLanes lanes weigh
// each head's partials, all heads at once; then each thread sums its 4-float columns (several at once when the
// heads' columns outnumber the threads) over the partials, or, when the columns are fewer than the threads, over a
// slice of the partials, the slices meeting in shared memory.
template <typename T, int D, int kG, int kThreads>
__device__ void reduce_partitions(const DecodeAttentionArgs<T>& a, int b, int head0, int ng, int parts,
                                  float* scratch) {
  static_assert(D % 4 == 0, "float4 columns");
  constexpr int kHeadLanes = kThreads / kG >= HS_WAVE_SIZE ? HS_WAVE_SIZE
                             : kThreads / kG >= 16           ? 16
                             : kThreads / kG >= 8            ? 8
                                                             : 4;
  static_assert(kHeadLanes * kG <= kThreads || kG > 32, "a group of lanes per head");
  const int64_t row0 = static_cast<int64_t>(b) * a.num_heads + head0;
  float4* slice_sums = reinterpret_cast<float4*>(scratch);  // [kThreads]
  float* weights = scratch + 4 * kThreads;                  // [kG][num_partitions]
  float* factor = weights + kG * a.num_partitions;          // [kG]: out = factor × Σ weight × acc
  for (int g0 = 0; g0 < ng; g0 += kThreads / kHeadLanes) {
    // Every lane runs the shuffles; those past the heads load nothing.
    const int g = g0 + static_cast<int>(threadIdx.x) / kHeadLanes, sub = threadIdx.x % kHeadLanes;
    const bool mine = g < ng;
    const float* pmax = a.partial_max + (row0 + g) * a.num_partitions;
    const float* psum = a.partial_sum + (row0 + g) * a.num_partitions;
    // The lane's first kHeld partials stay in registers between the passes: one round trip for few partials.
    constexpr int kHeld = 4;
    float held_max[kHeld], held_sum[kHeld];
    float m = -INFINITY;
#pragma unroll
    for (int k = 0; k < kHeld; ++k) {
      const int p = sub + k * kHeadLanes;
      const bool in = mine && p < parts;
      held_max[k] = in ? pmax[p] : -INFINITY;
      held_sum[k] = in ? psum[p] : 0.0f;
      m = fmaxf(m, held_max[k]);
    }
    for (int p = sub + kHeld * kHeadLanes; mine && p < parts; p += kHeadLanes) m = fmaxf(m, pmax[p]);
    m = group_max<kHeadLanes>(m);
    auto weigh = [&](int p, float pm, float ps) {
      const float w = pm == -INFINITY ? 0.0f : __expf(pm - m);
      weights[g * a.num_partitions + p] = w;
      return ps * w;
    };
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < kHeld; ++k)
      if (mine && sub + k * kHeadLanes < parts) s += weigh(sub + k * kHeadLanes, held_max[k], held_sum[k]);
    for (int p = sub + kHeld * kHeadLanes; mine && p < parts; p += kHeadLanes) s += weigh(p, pmax[p], psum[p]);
    s = group_sum<kHeadLanes>(s);
    if (mine && sub == 0) factor[g] = normalized(1.0f, s, m, a.sinks != nullptr ? a.sinks[head0 + g] : -INFINITY);
  }
  __syncthreads();

  constexpr int kColumnsPerHead = D / 4;
  const int columns = ng * kColumnsPerHead;
  auto store = [&](int column, float4 v) {
    const int g = column / kColumnsPerHead, d = column % kColumnsPerHead * 4;
    T* o = a.out + b * a.out_token_stride + (head0 + g) * a.out_head_stride + d;
    const float f = factor[g];
    o[0] = from_float<T>(v.x * f);
    o[1] = from_float<T>(v.y * f);
    o[2] = from_float<T>(v.z * f);
    o[3] = from_float<T>(v.w * f);
  };
  auto add = [&](float4& v, int column, int p) {  // v += partial p's float4 of `column` × its weight
    const int g = column / kColumnsPerHead;
    const float4* acc = reinterpret_cast<const float4*>(a.partial_acc + (row0 + g) * a.num_partitions * D);
    const float4 x = acc[p * kColumnsPerHead + column % kColumnsPerHead];
    const float w = weights[g * a.num_partitions + p];
    v.x += x.x * w;
    v.y += x.y * w;
    v.z += x.z * w;
    v.w += x.w * w;
  };

  if (columns >= kThreads) {  // columns threadIdx.x + c·kThreads, all partials
    constexpr int kMostColumns = (kG * kColumnsPerHead + kThreads - 1) / kThreads;
    float4 v[kMostColumns];
#pragma unroll
    for (int c = 0; c < kMostColumns; ++c) v[c] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll 8
    for (int p = 0; p < parts; ++p)
#pragma unroll
      for (int c = 0; c < kMostColumns; ++c) {
        const int column = threadIdx.x + c * kThreads;
        if (column < columns) add(v[c], column, p);
      }
#pragma unroll
    for (int c = 0; c < kMostColumns; ++c)
      if (threadIdx.x + c * kThreads < columns) store(threadIdx.x + c * kThreads, v[c]);
    return;
  }

  const int slices = kThreads / columns;  // column t % columns, partials t / columns + k·slices
  const int t = threadIdx.x;
  if (t < slices * columns) {
    const int column = t % columns;
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll 8
    for (int p = t / columns; p < parts; p += slices) add(v, column, p);
    slice_sums[t] = v;
  }
  __syncthreads();
  for (int column = threadIdx.x; column < columns; column += kThreads) {
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

// The end of a decode block whose kWaves waves left their unnormalised results for query heads head0 ..
// head0 + ng - 1 in shared memory at `results` (decode_finish_floats(kLd, kG, ...) floats, 16-byte aligned):
//   acc [kWaves][kG][kLd] (D of each row used), then max and sum [kWaves][kG]   (the waves' own running maxima)
// They meet at the heads' common max and go to out (the sequence's keys fit one partition: parts <= 1) or to
// partial `part` of `parts`; the block that finishes a (sequence, head group) last reduces the partials. Every
// thread of the block calls it after a __syncthreads.
template <typename T, int D, int kG, int kWaves, int kLd = D>
__device__ void finish_decode_block(const DecodeAttentionArgs<T>& a, int b, int head0, int ng, int part, int parts,
                                    float* results) {
  const float* wave_acc = results;
  const float* wave_max = wave_acc + kWaves * kG * kLd;
  const float* wave_sum = wave_max + kWaves * kG;
  float* scratch = results + kWaves * kG * (kLd + 2);  // past the results; 16-byte aligned
  // Per head: its max over the waves, each wave's factor to it, the sum (in scratch, free until the reduction).
  float* wave_factor = scratch;                 // [kWaves][kG]
  float* head_max = wave_factor + kWaves * kG;  // [kG]
  float* head_sum = head_max + kG;              // [kG]
  for (int g = threadIdx.x; g < ng; g += blockDim.x) {
    float m = -INFINITY;
    for (int w = 0; w < kWaves; ++w) m = fmaxf(m, wave_max[w * kG + g]);
    float sum = 0.0f;
    for (int w = 0; w < kWaves; ++w) {
      const float wm = wave_max[w * kG + g];
      const float f = wm == -INFINITY ? 0.0f : __expf(wm - m);
      wave_factor[w * kG + g] = f;
      sum += wave_sum[w * kG + g] * f;
    }
    head_max[g] = m;
    head_sum[g] = sum;
  }
  __syncthreads();
  const int64_t row0 = static_cast<int64_t>(b) * a.num_heads + head0;  // (b, head0) in [B, Hq]
  for (int idx = threadIdx.x; idx < ng * D; idx += blockDim.x) {
    const int g = idx / D, d = idx % D;
    float value = 0.0f;
#pragma unroll
    for (int w = 0; w < kWaves; ++w) value += wave_acc[(w * kG + g) * kLd + d] * wave_factor[w * kG + g];
    if (parts <= 1) {
      const float sink = a.sinks != nullptr ? a.sinks[head0 + g] : -INFINITY;
      a.out[b * a.out_token_stride + (head0 + g) * a.out_head_stride + d] =
          from_float<T>(normalized(value, head_sum[g], head_max[g], sink));
    } else {
      const int64_t slot = (row0 + g) * a.num_partitions + part;
      a.partial_acc[slot * D + d] = value;
      if (d == 0) {
        a.partial_max[slot] = head_max[g];
        a.partial_sum[slot] = head_sum[g];
      }
    }
  }
  if (parts <= 1) return;
  if (!last_to_arrive(b * gridDim.x + blockIdx.x, parts, reinterpret_cast<int*>(scratch))) return;
  reduce_partitions<T, D, kG, kWaves * HS_WAVE_SIZE>(a, b, head0, ng, parts, scratch);
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
