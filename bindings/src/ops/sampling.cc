#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_argmax(Args& a) {
  TensorView logits = a.tensor(0, "logits"), out = a.tensor(1, "out");
  return [=] { argmax(logits, out); };
}
HS_BINDING(argmax, prepare_argmax);

static PreparedCall prepare_top_k_top_p_min_p(Args& a) {
  TensorView logits = a.tensor(0, "logits"), top_k = a.index_tensor(1, "topK"), top_p = a.index_tensor(2, "topP");
  TensorView min_p = a.index_tensor(3, "minP");
  return [=] { top_k_top_p_min_p(logits, top_k, top_p, min_p); };
}
HS_BINDING(topKTopPMinP, prepare_top_k_top_p_min_p);

static PreparedCall prepare_sample_categorical(Args& a) {
  TensorView logits = a.tensor(0, "logits"), uniform = a.index_tensor(1, "uniform"), out = a.tensor(2, "out");
  return [=] { sample_categorical(logits, uniform, out); };
}
HS_BINDING(sampleCategorical, prepare_sample_categorical);

}  // namespace hipserve::bind
