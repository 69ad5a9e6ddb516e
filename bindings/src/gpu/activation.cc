#include "hip/activation.h"

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

template <void (*kEntry)(const TensorView&, const TensorView&, hipStream_t)>
static PreparedCall prepare_gated(Args& a) {
  TensorView x = device_tensor(a, 0, "x"), out = device_tensor(a, 1, "out");
  return device_call(x.device_index, [=](hipStream_t s) { kEntry(x, out, s); });
}
HS_BINDING(gpuSiluAndMul, prepare_gated<gpu::silu_and_mul>);
HS_BINDING(gpuGeluTanhAndMul, prepare_gated<gpu::gelu_tanh_and_mul>);

}  // namespace hipserve::bind
