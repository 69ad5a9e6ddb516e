// RMSNorm on the GPU, plain and fused with the residual add (vLLM's rms_norm / fused_add_rms_norm).
// x, residual, out [T, H] and weight [H] share one dtype, bf16 or f16; sums of squares are f32.
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// Launcher. residual == nullptr: out = norm(x) * weight. Otherwise residual += x (rounded to T) and
// out = norm(residual) * weight, with the norm taken over the rounded sums. out may alias x.
template <typename T>
void rms_norm_launch(const T* x, int64_t x_stride, T* residual, int64_t res_stride, const T* weight, float eps,
                     int64_t rows, int64_t hidden, T* out, int64_t out_stride, bool vectorized, hipStream_t stream);

// out = x / sqrt(mean(x²) + eps) * weight, per row; out may alias x.
void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& out, hipStream_t stream);
// residual += x; x = rms_norm(residual) * weight, in place.
void fused_add_rms_norm(const TensorView& x, const TensorView& residual, const TensorView& weight, float eps,
                        hipStream_t stream);

}  // namespace hipserve::gpu
