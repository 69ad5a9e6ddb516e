#include "hip/moe_align.h"

#include <algorithm>

#include "platform/gpu_check.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

constexpr int kThreads = kMoeAlignMaxExperts;

__global__ void __launch_bounds__(kThreads)
    moe_align_kernel(const int32_t* ids, int64_t ids_stride, int top_k, int experts, int tile, int pairs,
                     int max_blocks, MoeAlignment out, int32_t* fault) {
  __shared__ int count[kThreads];
  __shared__ int scan[kThreads];
  const int e = threadIdx.x;
  count[e] = 0;
  __syncthreads();
  for (int p = threadIdx.x; p < pairs; p += kThreads) {
    const int id = ids[p / top_k * ids_stride + p % top_k];
    if (id >= 0 && id < experts) atomicAdd(&count[id], 1);
    else raise_kernel_fault(fault, kFaultExpertId);
  }
  __syncthreads();
  const int blocks = (count[e] + tile - 1) / tile;
  scan[e] = blocks;
  __syncthreads();
  for (int offset = 1; offset < kThreads; offset *= 2) {  // inclusive scan of tiles per expert
    const int add = e >= offset ? scan[e - offset] : 0;
    __syncthreads();
    scan[e] += add;
    __syncthreads();
  }
  const int first = scan[e] - blocks, used = scan[kThreads - 1];
  for (int b = first; b < first + blocks; ++b) out.block_expert[b] = e;
  for (int b = used + threadIdx.x; b < max_blocks; b += kThreads) out.block_expert[b] = -1;
  for (int r = threadIdx.x; r < used * tile; r += kThreads) out.sorted_pairs[r] = pairs;
  if (threadIdx.x == 0) *out.used_blocks = used;
  count[e] = first * tile;  // now the next free row of expert e
  __syncthreads();          // the padding above is written before the pairs below (same block: visible)
  for (int p = threadIdx.x; p < pairs; p += kThreads) {
    const int id = ids[p / top_k * ids_stride + p % top_k];
    if (id >= 0 && id < experts) out.sorted_pairs[atomicAdd(&count[id], 1)] = p;
  }
}

}  // namespace

MoeAlignPlan plan_moe_align(int64_t pairs, int64_t experts, int tile) {
  const int64_t rows = pairs + std::min(experts, pairs) * (tile - 1);
  return {tile, pairs, (rows + tile - 1) / tile};
}

void moe_align_launch(const int32_t* topk_ids, int64_t ids_stride, int top_k, int experts, const MoeAlignPlan& plan,
                      const MoeAlignment& out, int32_t* fault, hipStream_t stream) {
  moe_align_kernel<<<1, kThreads, 0, stream>>>(topk_ids, ids_stride, top_k, experts, plan.tile,
                                               static_cast<int>(plan.pairs), static_cast<int>(plan.max_blocks),
                                               out, fault);
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
