// The decode path of fused MoE: few pairs per expert, so the call is a stream of the chosen experts' weights.
// Two kernels, no alignment: block (p, tile) first finds which pairs chose expert e = ids[p]; unless p is the
// first of them it leaves, so each chosen expert is streamed once. It then runs its 16 weight rows over all of K
// on matrix cores (moe_decode_tile.h), for 16 of the expert's pairs at a time, its 4 waves splitting K.
//
//   gate_up: tile n = 8 columns: rows n..n+8 (gate) and I+n..I+n+8 (up) of w13[e] · x[token of each pair]
//            ─▶ act[pair, n..n+8] = act(gate, up)                                        grid (T·k, I / 8)
//   down:    tile h = 16 rows of w2[e] · act[pair] ─▶ y[pair, h..h+16] (f32), then the block that completes
//            tile h (done[h] reaches the number of valid pairs) sums y into out[t, h..h+16], slots in order
//                                                                                         grid (T·k, H / 16)
#include "hip/dtypes.h"
#include "hip/moe_decode_tile.h"
#include "hip/moe_kernels.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

using moe_decode::kCols;
using moe_decode::kThreads;
using moe_decode::kWaves;

template <typename T>
__device__ __forceinline__ int pair_expert(const MoeArgs<T>& a, int p) {
  return a.topk_ids[int64_t{p / a.top_k} * a.ids_stride + p % a.top_k];
}

template <typename T>
__device__ __forceinline__ bool valid_expert(const MoeArgs<T>& a, int e) {
  return e >= 0 && e < a.experts;
}

// The pairs of expert e from pair p on, a window of moe_decode::kWindow pairs at a time. Block-uniform.
struct ExpertPairs {
  int* members;  // shared, [kWindow]
  int* count;    // shared
  int valid;     // valid pairs seen so far (all of them once every window is scanned)
};

// Scans pairs [base, base + kWindow): the members of e in it go to pairs.members. False when a pair before p
// chose e too (then that pair's block streams e, not this one).
template <typename T>
__device__ bool scan_window(const MoeArgs<T>& a, int p, int e, int base, ExpertPairs& pairs) {
  if (threadIdx.x == 0) *pairs.count = 0;
  __syncthreads();
  bool earlier = false;
  static_assert(moe_decode::kWindow % kThreads == 0);
  for (int i = 0; i < moe_decode::kWindow / kThreads; ++i) {  // each thread one pair per pass: counted below
    const int q = base + i * kThreads + threadIdx.x;
    const int id = q < a.pairs ? pair_expert(a, q) : -1;
    pairs.valid += __syncthreads_count(q < a.pairs && valid_expert(a, id));
    if (q >= a.pairs || id != e) continue;
    if (q < p) earlier = true;
    else pairs.members[atomicAdd(pairs.count, 1)] = q;  // the order does not change any result
  }
  return !__syncthreads_or(earlier);
}

// gate_up: tile rows 0-7 are gate columns n0.., rows 8-15 the up columns I + n0...
template <typename T>
__global__ void __launch_bounds__(kThreads) moe_decode_gate_up(MoeArgs<T> a) {
  __shared__ int members[moe_decode::kWindow];
  __shared__ int count;
  __shared__ float partial[kWaves][kCols][kCols];
  const int p = blockIdx.x, n0 = blockIdx.y * 8;
  if (blockIdx.x == 0 && blockIdx.y == 0)
    for (int i = threadIdx.x; i < moe_decode_done_counters(a.hidden); i += kThreads) a.done[i] = 0;
  const int e = pair_expert(a, p);
  ExpertPairs pairs{members, &count, 0};
  const bool leader = scan_window(a, p, e, 0, pairs);  // before e is checked: e and the ids load together
  if (!valid_expert(a, e)) {
    if (blockIdx.y == 0 && threadIdx.x == 0) raise_kernel_fault(a.fault, kFaultExpertId);
    return;
  }
  if (!leader) return;
  const T* w = a.w13 + e * a.w13_expert_stride;
  moe_decode::WeightRows<T> rows;
  for (int j = 0; j < mc::kStreamLines; ++j) {
    const int r = mc::stream_line(j);
    rows.row[j] = w + (r < 8 ? n0 + r : a.inter + n0 + r - 8) * a.w13_row_stride;
  }
  for (int base = 0; base < a.pairs; base += moe_decode::kWindow) {
    if (base > 0 && !scan_window(a, p, e, base, pairs)) return;
    for (int first = 0; first < count; first += kCols) {
      const int n = min(kCols, count - first);
      const T* cols[mc::kStreamLines];
      for (int j = 0; j < mc::kStreamLines; ++j) {
        const int c = mc::stream_line(j);
        cols[j] = c < n ? a.x + int64_t{members[first + c] / a.top_k} * a.x_stride : nullptr;
      }
      moe_decode::tile_product(rows, cols, a.hidden, partial);
      if (threadIdx.x < 8 * kCols) {
        const int c = threadIdx.x / 8, col = n0 + threadIdx.x % 8;
        if (c < n) {
          const float gate = moe_decode::wave_total(partial, threadIdx.x % 8, c);
          const float up = moe_decode::wave_total(partial, 8 + threadIdx.x % 8, c);
          const float bg = a.b13 ? a.b13[e * a.b13_stride + col] : 0.0f;
          const float bu = a.b13 ? a.b13[e * a.b13_stride + a.inter + col] : 0.0f;
          a.act[int64_t{members[first + c]} * a.inter + col] =
              from_float<T>(moe_activation(a.activation, gate + bg, up + bu, a.alpha, a.limit));
        }
      }
      __syncthreads();  // partial and members are read before they are written again
    }
  }
}

// out[t, h0..h0+16) (+)= Σ_j weights[t, j] · y[t·k + j, h0..h0+16), slots in order; bad ids add nothing.
template <typename T>
__device__ void combine_tile(const MoeArgs<T>& a, int h0) {
  for (int i = threadIdx.x; i < a.tokens * kCols; i += kThreads) {
    const int t = i / kCols, h = h0 + i % kCols;
    if (h >= a.hidden) continue;
    T* dst = a.out + t * a.out_stride + h;
    float acc = a.accumulate ? to_float(*dst) : 0.0f;
    for (int j = 0; j < a.top_k; ++j) {
      if (!valid_expert(a, a.topk_ids[int64_t{t} * a.ids_stride + j])) continue;
      // volatile: other blocks wrote y during this kernel, past this block's L1.
      const volatile float* y = a.y + (int64_t{t} * a.top_k + j) * a.hidden + h;
      acc = fmaf(a.topk_weights[int64_t{t} * a.weights_stride + j], *y, acc);
    }
    *dst = from_float<T>(acc);
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads) moe_decode_down(MoeArgs<T> a) {
  __shared__ int members[moe_decode::kWindow];
  __shared__ int count;
  __shared__ float partial[kWaves][kCols][kCols];
  __shared__ bool last;
  const int p = blockIdx.x, h0 = blockIdx.y * kCols;
  const int e = pair_expert(a, p);
  ExpertPairs pairs{members, &count, 0};
  const bool leader = scan_window(a, p, e, 0, pairs);
  if (!valid_expert(a, e)) {
    if (p != 0) return;
    // Block 0 stands in for the case that no pair is valid: then nobody else writes out.
    for (int base = moe_decode::kWindow; base < a.pairs; base += moe_decode::kWindow) scan_window(a, p, e, base, pairs);
    if (pairs.valid == 0) combine_tile(a, h0);
    return;
  }
  if (!leader) return;
  const T* w = a.w2 + e * a.w2_expert_stride;
  moe_decode::WeightRows<T> rows;
  for (int j = 0; j < mc::kStreamLines; ++j) {
    const int h = h0 + mc::stream_line(j);
    rows.row[j] = h < a.hidden ? w + h * a.w2_row_stride : nullptr;
  }
  int handled = 0;
  for (int base = 0; base < a.pairs; base += moe_decode::kWindow) {
    if (base > 0 && !scan_window(a, p, e, base, pairs)) return;
    for (int first = 0; first < count; first += kCols) {
      const int n = min(kCols, count - first);
      const T* cols[mc::kStreamLines];
      for (int j = 0; j < mc::kStreamLines; ++j) {
        const int c = mc::stream_line(j);
        cols[j] = c < n ? a.act + int64_t{members[first + c]} * a.inter : nullptr;
      }
      moe_decode::tile_product(rows, cols, a.inter, partial);
      for (int i = threadIdx.x; i < kCols * kCols; i += kThreads) {
        const int c = i / kCols, r = i % kCols, h = h0 + r;
        if (c < n && h < a.hidden)
          a.y[int64_t{members[first + c]} * a.hidden + h] =
              moe_decode::wave_total(partial, r, c) + (a.b2 ? a.b2[e * a.b2_stride + h] : 0.0f);
      }
      handled += n;
      __syncthreads();
    }
  }
  // The last block to finish tile h0 sums it up (the threadFenceReduction pattern).
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last = atomicAdd(&a.done[blockIdx.y], handled) + handled == pairs.valid;
  __syncthreads();
  if (!last) return;
  __threadfence();
  combine_tile(a, h0);
}

}  // namespace

template <typename T>
void moe_decode_launch(const MoeArgs<T>& args, hipStream_t stream) {
  const unsigned pairs = static_cast<unsigned>(args.pairs);
  moe_decode_gate_up<T><<<dim3(pairs, static_cast<unsigned>(args.inter / 8)), kThreads, 0, stream>>>(args);
  HS_GPU_CHECK_LAUNCH();
  const unsigned tiles = static_cast<unsigned>(moe_decode_done_counters(args.hidden));
  moe_decode_down<T><<<dim3(pairs, tiles), kThreads, 0, stream>>>(args);
  HS_GPU_CHECK_LAUNCH();
}

template void moe_decode_launch<bf16>(const MoeArgs<bf16>&, hipStream_t);
template void moe_decode_launch<f16>(const MoeArgs<f16>&, hipStream_t);

}  // namespace hipserve::gpu
