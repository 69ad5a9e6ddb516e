#include <optional>

#include "binding_registry.h"
#include "moe_params.h"

namespace hipserve::bind {

static PreparedCall prepare_moe_route(Args& a) {
  TensorView logits = a.tensor(0, "logits");
  std::optional<TensorView> bias = a.optional_tensor(1, "correctionBias");
  MoeRouteParams params = moe_route_params(a, 2);
  TensorView ids = a.tensor(3, "topkIds"), weights = a.tensor(4, "topkWeights");
  return [=] { moe_route(logits, bias ? &*bias : nullptr, params, ids, weights); };
}
HS_BINDING(moeRoute, prepare_moe_route);

static PreparedCall prepare_fused_moe(Args& a) {
  TensorView x = a.tensor(0, "x"), w13 = a.tensor(1, "w13");
  std::optional<TensorView> b13 = a.optional_tensor(2, "b13");
  TensorView w2 = a.tensor(3, "w2");
  std::optional<TensorView> b2 = a.optional_tensor(4, "b2");
  TensorView ids = a.index_tensor(5, "topkIds"), weights = a.tensor(6, "topkWeights");
  FusedMoeParams params = fused_moe_params(a, 7);
  TensorView out = a.tensor(8, "out");
  return [=] { fused_moe(x, w13, b13 ? &*b13 : nullptr, w2, b2 ? &*b2 : nullptr, ids, weights, params, out); };
}
HS_BINDING(fusedMoe, prepare_fused_moe);

}  // namespace hipserve::bind
