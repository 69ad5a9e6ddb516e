#include "runtime/blas.h"

#include <optional>

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

// gpuMatmul(x, w, bias | null, out). The first call on a device makes its BLAS handle and workspace, which cannot
// happen inside a graph capture (HS_INVALID_ARGUMENT): run one eager step before capturing.
static PreparedCall prepare_gpu_matmul(Args& a) {
  TensorView x = device_tensor(a, 0, "x"), w = device_tensor(a, 1, "w");
  std::optional<TensorView> bias = optional_device_tensor(a, 2, "bias");
  TensorView out = device_tensor(a, 3, "out");
  return device_call(x.device_index, [=](hipStream_t s) { gpu::matmul(x, w, bias ? &*bias : nullptr, out, s); });
}
HS_BINDING(gpuMatmul, prepare_gpu_matmul);

}  // namespace hipserve::bind
