#include "hip/rms_norm.h"

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

static PreparedCall prepare_gpu_rms_norm(Args& a) {
  TensorView x = device_tensor(a, 0, "x"), weight = device_tensor(a, 1, "weight");
  float eps = a.f32(2, "eps");
  TensorView out = device_tensor(a, 3, "out");
  return device_call(x.device_index, [=](hipStream_t s) { gpu::rms_norm(x, weight, eps, out, s); });
}
HS_BINDING(gpuRmsNorm, prepare_gpu_rms_norm);

static PreparedCall prepare_gpu_fused_add_rms_norm(Args& a) {
  TensorView x = device_tensor(a, 0, "x"), residual = device_tensor(a, 1, "residual");
  TensorView weight = device_tensor(a, 2, "weight");
  float eps = a.f32(3, "eps");
  return device_call(x.device_index, [=](hipStream_t s) { gpu::fused_add_rms_norm(x, residual, weight, eps, s); });
}
HS_BINDING(gpuFusedAddRmsNorm, prepare_gpu_fused_add_rms_norm);

}  // namespace hipserve::bind
