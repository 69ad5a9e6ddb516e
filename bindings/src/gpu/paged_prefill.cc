#include "hip/paged_prefill.h"

#include <optional>

#include "attention_params.h"
#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

// gpuPagedAttention(q, keyCache, valueCache, queryStartLoc, seqLens, blockTables, maxQueryLen, maxSeqLen,
// options, out) with options = { scale, slidingWindow?, softcap?, sinks? } as for the CPU's pagedAttention.
static PreparedCall prepare_gpu_paged_attention(Args& a) {
  TensorView q = device_tensor(a, 0, "q"), key_cache = device_tensor(a, 1, "keyCache");
  TensorView value_cache = device_tensor(a, 2, "valueCache"), query_start_loc = device_tensor(a, 3, "queryStartLoc");
  TensorView seq_lens = device_tensor(a, 4, "seqLens"), block_tables = device_tensor(a, 5, "blockTables");
  int64_t max_query_len = a.integer(6, "maxQueryLen"), max_seq_len = a.integer(7, "maxSeqLen");
  AttentionParams params = attention_params(a, 8);
  std::optional<TensorView> sinks = device_tensor_field(a, 8, "sinks");
  TensorView out = device_tensor(a, 9, "out");
  return device_call(q.device_index, [=](hipStream_t s) {
    gpu::paged_attention(q, key_cache, value_cache, query_start_loc, seq_lens, block_tables, max_query_len,
                         max_seq_len, sinks ? &*sinks : nullptr, params, out, s);
  });
}
HS_BINDING(gpuPagedAttention, prepare_gpu_paged_attention);

}  // namespace hipserve::bind
