#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_rotary_embedding(Args& a) {
  TensorView positions = a.index_tensor(0, "positions"), q = a.tensor(1, "q"), k = a.tensor(2, "k");
  TensorView cos_sin_cache = a.tensor(3, "cosSinCache");
  int64_t head_size = a.integer(4, "headSize");
  bool is_neox = a.boolean(5, "isNeox");
  return [=] { rotary_embedding(positions, q, k, cos_sin_cache, head_size, is_neox); };
}
HS_BINDING(rotaryEmbedding, prepare_rotary_embedding);

}  // namespace hipserve::bind
