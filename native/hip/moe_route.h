// MoE routing on the GPU: the CPU moe_route's three routers (see hipserve/ops.h), one block per token.
//
//   logits [T, E] f32, bf16 or f16; correction_bias [E] f32 (sigmoid_grouped only, optional)
//   → topk_ids [T, k] i32 and topk_weights [T, k] f32, heaviest first, lowest index on ties.
//
//   block t: scores of row t in shared memory ─ k block-wide argmax passes ─▶ ids, weights
//   (sigmoid_grouped first keeps the topk_groups groups with the largest top-2 sums and scores the rest 0).
#pragma once
#include "hipserve/ops.h"
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

constexpr int kMoeRouteMaxExperts = 4096;  // the scores of one row live in shared memory

void moe_route(const TensorView& logits, const TensorView* correction_bias, const MoeRouteParams& params,
               const TensorView& topk_ids, const TensorView& topk_weights, hipStream_t stream);

}  // namespace hipserve::gpu
