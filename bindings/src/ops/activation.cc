#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_silu_and_mul(Args& a) {
  TensorView x = a.tensor(0, "x"), out = a.tensor(1, "out");
  return [=] { silu_and_mul(x, out); };
}
HS_BINDING(siluAndMul, prepare_silu_and_mul);

static PreparedCall prepare_gelu_tanh_and_mul(Args& a) {
  TensorView x = a.tensor(0, "x"), out = a.tensor(1, "out");
  return [=] { gelu_tanh_and_mul(x, out); };
}
HS_BINDING(geluTanhAndMul, prepare_gelu_tanh_and_mul);

}  // namespace hipserve::bind
