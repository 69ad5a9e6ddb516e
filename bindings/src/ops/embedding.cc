#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_embedding(Args& a) {
  TensorView ids = a.index_tensor(0, "ids"), table = a.tensor(1, "table"), out = a.tensor(2, "out");
  return [=] { embedding(ids, table, out); };
}
HS_BINDING(embedding, prepare_embedding);

}  // namespace hipserve::bind
