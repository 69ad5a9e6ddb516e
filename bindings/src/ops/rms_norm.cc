#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_rms_norm(Args& a) {
  TensorView x = a.tensor(0, "x"), weight = a.tensor(1, "weight");
  float eps = a.f32(2, "eps");
  TensorView out = a.tensor(3, "out");
  return [=] { rms_norm(x, weight, eps, out); };
}
HS_BINDING(rmsNorm, prepare_rms_norm);

static PreparedCall prepare_fused_add_rms_norm(Args& a) {
  TensorView x = a.tensor(0, "x"), residual = a.tensor(1, "residual"), weight = a.tensor(2, "weight");
  float eps = a.f32(3, "eps");
  return [=] { fused_add_rms_norm(x, residual, weight, eps); };
}
HS_BINDING(fusedAddRmsNorm, prepare_fused_add_rms_norm);

}  // namespace hipserve::bind
