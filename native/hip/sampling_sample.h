// One sampling step on the GPU, fused per row: greedy rows (temperature <= 0) take the argmax; the others divide
// by their temperature, keep the values at or above their top-k/top-p/min-p threshold and draw by inverse CDF
// with their uniform. The logits are only read (the threshold is applied on the fly, nothing is masked).
#pragma once
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

struct SampleArgs {
  TensorView temperature;  // [B] f32, <= 0: greedy
  TensorView top_k;        // [B] i32, <= 0: off
  TensorView top_p;        // [B] f32, >= 1: off
  TensorView min_p;        // [B] f32, <= 0: off
  TensorView uniform;      // [B] f32 in [0, 1)
};

// logits [B, V] f32, out [B] i32.
void sample(const TensorView& logits, const SampleArgs& args, const TensorView& out, hipStream_t stream);

}  // namespace hipserve::gpu
