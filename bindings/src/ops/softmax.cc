#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_softmax(Args& a) {
  TensorView x = a.tensor(0, "x"), out = a.tensor(1, "out");
  return [=] { softmax(x, out); };
}
HS_BINDING(softmax, prepare_softmax);

static PreparedCall prepare_log_softmax(Args& a) {
  TensorView x = a.tensor(0, "x"), out = a.tensor(1, "out");
  return [=] { log_softmax(x, out); };
}
HS_BINDING(logSoftmax, prepare_log_softmax);

}  // namespace hipserve::bind
