// Greedy sampling on the GPU: the lowest index of each row's largest logit (NaN ignored), one block per row.
#pragma once
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// logits [B, V] f32, out [B] i32.
void argmax(const TensorView& logits, const TensorView& out, hipStream_t stream);

}  // namespace hipserve::gpu
