// Gated activations on the GPU: out[T, I] = act(x[:, :I]) * x[:, I:] for x [T, 2I], bf16 or f16 (f32 math,
// one rounding). act is SiLU (SwiGLU MLPs) or tanh-approximated GELU (GeGLU, Gemma).
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

enum class GatedActivation { silu, gelu_tanh };

template <typename T>
void act_and_mul_launch(GatedActivation act, const T* x, int64_t x_stride, T* out, int64_t out_stride, int64_t rows,
                        int64_t inter, bool vectorized, hipStream_t stream);

void silu_and_mul(const TensorView& x, const TensorView& out, hipStream_t stream);
void gelu_tanh_and_mul(const TensorView& x, const TensorView& out, hipStream_t stream);

}  // namespace hipserve::gpu
