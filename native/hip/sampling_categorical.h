// Inverse-CDF sampling on the GPU (sampling_categorical_row.h), with one uniform per row from the host.
#pragma once
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// logits [B, V] f32, uniform [B] f32 in [0, 1), out [B] i32: -inf logits are never chosen.
void sample_categorical(const TensorView& logits, const TensorView& uniform, const TensorView& out,
                        hipStream_t stream);

}  // namespace hipserve::gpu
