#include "hip/paged_decode.h"

#include <optional>

#include "attention_params.h"
#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

// gpuPagedDecodeAttention(q, keyCache, valueCache, seqLens, blockTables, maxSeqLen, options, out) with
// options = { scale, slidingWindow?, softcap?, sinks? } as for the CPU's pagedAttention.
static PreparedCall prepare_gpu_paged_decode(Args& a) {
  TensorView q = device_tensor(a, 0, "q"), key_cache = device_tensor(a, 1, "keyCache");
  TensorView value_cache = device_tensor(a, 2, "valueCache"), seq_lens = device_tensor(a, 3, "seqLens");
  TensorView block_tables = device_tensor(a, 4, "blockTables");
  int64_t max_seq_len = a.integer(5, "maxSeqLen");
  AttentionParams params = attention_params(a, 6);
  std::optional<TensorView> sinks = device_tensor_field(a, 6, "sinks");
  TensorView out = device_tensor(a, 7, "out");
  return device_call(q.device_index, [=](hipStream_t s) {
    gpu::paged_decode_attention(q, key_cache, value_cache, seq_lens, block_tables, max_seq_len,
                                sinks ? &*sinks : nullptr, params, out, s);
  });
}
HS_BINDING(gpuPagedDecodeAttention, prepare_gpu_paged_decode);

}  // namespace hipserve::bind
