// Top-k / top-p / min-p filtering on the GPU, in place: logits below the row's threshold (sampling_filter_row.h)
// become -inf, as the CPU kernel top_k_top_p_min_p does. One block per row; no sort, whatever k or p.
#pragma once
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// logits [B, V] f32 (edited in place); top_k [B] i32 (<= 0 off), top_p [B] f32 (>= 1 off), min_p [B] f32 (<= 0 off).
void top_k_top_p_min_p(const TensorView& logits, const TensorView& top_k, const TensorView& top_p,
                       const TensorView& min_p, hipStream_t stream);

}  // namespace hipserve::gpu
