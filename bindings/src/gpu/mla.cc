#include "hip/mla_decode.h"
#include "hip/mla_head_gemm.h"
#include "hip/mla_rope_cache.h"

#include <cmath>

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

// gpuMlaAttention(q, latentCache, queryStartLoc, seqLens, blockTables, maxQueryLen, maxSeqLen, options, out) with
// options = { scale, numPartitions? } (numPartitions: force the split-K partition count, for tests and benches).
static PreparedCall prepare_gpu_mla_attention(Args& a) {
  TensorView q = device_tensor(a, 0, "q"), cache = device_tensor(a, 1, "latentCache");
  TensorView query_start_loc = device_tensor(a, 2, "queryStartLoc"), seq_lens = device_tensor(a, 3, "seqLens");
  TensorView block_tables = device_tensor(a, 4, "blockTables");
  int64_t max_query_len = a.integer(5, "maxQueryLen"), max_seq_len = a.integer(6, "maxSeqLen");
  const double scale = a.number_field(7, "scale", NAN);
  if (!std::isfinite(scale)) throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.scale: expected a finite number");
  const double partitions = a.number_field(7, "numPartitions", 0);
  if (partitions != std::floor(partitions))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.numPartitions: expected an integer");
  TensorView out = device_tensor(a, 8, "out");
  return device_call(q.device_index, [=](hipStream_t s) {
    gpu::mla_attention(q, cache, query_start_loc, seq_lens, block_tables, max_query_len, max_seq_len,
                       static_cast<float>(scale), static_cast<int64_t>(partitions), out, s);
  });
}
HS_BINDING(gpuMlaAttention, prepare_gpu_mla_attention);

// gpuMlaRopeCache(positions, q, kv, kvNormWeight, eps, cosSinCache, isNeox, slotMapping, qAbs, latentCache).
static PreparedCall prepare_gpu_mla_rope_cache(Args& a) {
  TensorView positions = device_tensor(a, 0, "positions"), q = device_tensor(a, 1, "q");
  TensorView kv = device_tensor(a, 2, "kv"), weight = device_tensor(a, 3, "kvNormWeight");
  const float eps = a.f32(4, "eps");
  TensorView cos_sin = device_tensor(a, 5, "cosSinCache");
  const bool is_neox = a.boolean(6, "isNeox");
  TensorView slots = device_tensor(a, 7, "slotMapping"), q_abs = device_tensor(a, 8, "qAbs");
  TensorView cache = device_tensor(a, 9, "latentCache");
  return device_call(q.device_index, [=](hipStream_t s) {
    gpu::mla_rope_cache(positions, q, kv, weight, eps, cos_sin, is_neox, slots, q_abs, cache, s);
  });
}
HS_BINDING(gpuMlaRopeCache, prepare_gpu_mla_rope_cache);

// gpuMlaHeadGemm(x, w, out): out[t, h] = x[t, h] · w[h]ᵀ for every head at once.
static PreparedCall prepare_gpu_mla_head_gemm(Args& a) {
  TensorView x = device_tensor(a, 0, "x"), w = device_tensor(a, 1, "w"), out = device_tensor(a, 2, "out");
  return device_call(x.device_index, [=](hipStream_t s) { gpu::mla_head_gemm(x, w, out, s); });
}
HS_BINDING(gpuMlaHeadGemm, prepare_gpu_mla_head_gemm);

}  // namespace hipserve::bind
