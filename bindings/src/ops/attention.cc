#include <cmath>
#include <optional>

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

static AttentionParams attention_params(Args& a, size_t i) {
  AttentionParams params;
  double scale = a.number_field(i, "scale", NAN);
  if (!std::isfinite(scale)) throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.scale: expected a finite number");
  params.scale = static_cast<float>(scale);
  double window = a.number_field(i, "slidingWindow", 0);
  if (!(window >= 0 && window <= 2147483647.0 && std::floor(window) == window))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.slidingWindow: expected an integer >= 0");
  params.sliding_window = static_cast<int32_t>(window);
  double softcap = a.number_field(i, "softcap", 0);
  if (!(std::isfinite(softcap) && softcap >= 0))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.softcap: expected a finite number >= 0");
  params.softcap = static_cast<float>(softcap);
  return params;
}

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
