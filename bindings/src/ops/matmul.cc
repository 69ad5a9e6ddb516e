#include <optional>

#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_matmul(Args& a) {
  TensorView x = a.tensor(0, "x"), w = a.tensor(1, "w");
  std::optional<TensorView> bias = a.optional_tensor(2, "bias");
  TensorView out = a.tensor(3, "out");
  return [=] { matmul(x, w, bias ? &*bias : nullptr, out); };
}
HS_BINDING(matmul, prepare_matmul);

}  // namespace hipserve::bind
