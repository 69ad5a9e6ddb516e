#include "hip/linear.h"

#include <optional>
#include <string>

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

// options?: { path?: 'auto' | 'gemv' | 'blas', gemvRowsPerWave?: 16 | 32, gemvWaves?: 1..16, gemvRing?: boolean }
// at position i.
static gpu::LinearOptions linear_options(Args& a, size_t i) {
  gpu::LinearOptions o;
  Napi::Value path = a.raw_field(i, "path");
  if (!path.IsUndefined()) {
    const std::string p = path.IsString() ? path.As<Napi::String>().Utf8Value() : "";
    if (p == "gemv") o.path = gpu::LinearPath::gemv;
    else if (p == "blas") o.path = gpu::LinearPath::blas;
    else if (p != "auto") throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.path: expected auto, gemv or blas");
  }
  o.gemv.rows_per_wave = static_cast<int>(a.number_field(i, "gemvRowsPerWave", 0));
  o.gemv.waves = static_cast<int>(a.number_field(i, "gemvWaves", 0));
  Napi::Value ring = a.raw_field(i, "gemvRing");
  if (!ring.IsUndefined()) {
    if (!ring.IsBoolean()) throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.gemvRing: expected a boolean");
    o.gemv.ring = ring.As<Napi::Boolean>().Value() ? 1 : -1;
  }
  return o;
}

// gpuMatmul(x, w, bias | null, out, options?): the GEMV for small T, else the BLAS library (hip/linear.h). The
// first BLAS call on a device makes its handle and workspace, which cannot happen inside a graph capture
// (HS_INVALID_ARGUMENT): run one eager step before capturing.
static PreparedCall prepare_gpu_matmul(Args& a) {
  TensorView x = device_tensor(a, 0, "x"), w = device_tensor(a, 1, "w");
  std::optional<TensorView> bias = optional_device_tensor(a, 2, "bias");
  TensorView out = device_tensor(a, 3, "out");
  const gpu::LinearOptions options = linear_options(a, 4);
  return device_call(x.device_index,
                     [=](hipStream_t s) { gpu::linear(x, w, bias ? &*bias : nullptr, out, s, options); });
}
HS_BINDING(gpuMatmul, prepare_gpu_matmul);

// gpuGatedMatmul(x2, activation: 'silu' | 'gelu_tanh', w, bias | null, out, options?).
static PreparedCall prepare_gpu_gated_matmul(Args& a) {
  TensorView x2 = device_tensor(a, 0, "x");
  Napi::Value name = a.value(1);
  const std::string activation = name.IsString() ? name.As<Napi::String>().Utf8Value() : "";
  if (activation != "silu" && activation != "gelu_tanh")
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "activation: expected silu or gelu_tanh");
  const gpu::GatedActivation act =
      activation == "silu" ? gpu::GatedActivation::silu : gpu::GatedActivation::gelu_tanh;
  TensorView w = device_tensor(a, 2, "w");
  std::optional<TensorView> bias = optional_device_tensor(a, 3, "bias");
  TensorView out = device_tensor(a, 4, "out");
  const gpu::LinearOptions options = linear_options(a, 5);
  return device_call(x2.device_index, [=](hipStream_t s) {
    gpu::gated_linear(act, x2, w, bias ? &*bias : nullptr, out, s, options);
  });
}
HS_BINDING(gpuGatedMatmul, prepare_gpu_gated_matmul);

}  // namespace hipserve::bind
