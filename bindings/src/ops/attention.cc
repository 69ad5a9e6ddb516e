#include <optional>

#include "attention_params.h"
#include "binding_registry.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

static PreparedCall prepare_reshape_and_cache(Args& a) {
  TensorView key = a.tensor(0, "key"), value = a.tensor(1, "value");
  TensorView key_cache = a.tensor(2, "keyCache"), value_cache = a.tensor(3, "valueCache");
  TensorView slot_mapping = a.index_tensor(4, "slotMapping");
  return [=] { reshape_and_cache(key, value, key_cache, value_cache, slot_mapping); };
}
HS_BINDING(reshapeAndCache, prepare_reshape_and_cache);

static PreparedCall prepare_paged_attention(Args& a) {
  TensorView q = a.tensor(0, "q"), key_cache = a.tensor(1, "keyCache"), value_cache = a.tensor(2, "valueCache");
  TensorView query_start_loc = a.index_tensor(3, "queryStartLoc"), seq_lens = a.index_tensor(4, "seqLens");
  TensorView block_tables = a.index_tensor(5, "blockTables");
  AttentionParams params = attention_params(a, 6);
  std::optional<TensorView> sinks = a.tensor_field(6, "sinks");
  TensorView out = a.tensor(7, "out");
  return [=] {
    paged_attention(q, key_cache, value_cache, query_start_loc, seq_lens, block_tables, sinks ? &*sinks : nullptr,
                    params, out);
  };
}
HS_BINDING(pagedAttention, prepare_paged_attention);

}  // namespace hipserve::bind
