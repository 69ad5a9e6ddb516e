// paged_attention: the entry. Validates every view and every index it will follow, then plans and runs.
//
//   q [T, Hq, D]: tokens of B sequences, query_start_loc [B+1] cuts them per sequence.
//   sequence b: context positions 0 .. seq_lens[b)-1, its queries are the last ones:
//     |<---------------- seq_lens[b] ---------------->|
//     |   cached context    | this step's query chunk |
//   position j lives at key_cache[block_tables[b, j / block_size], j % block_size, kv_head, :]
#include <cmath>

#include "attention_item.h"
#include "attention_params_check.h"
#include "attention_plan.h"
#include "attention_run.h"
#include "checks.h"
#include "hipserve/ops.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

void check_metadata(const TensorView& query_start_loc, const TensorView& seq_lens, const TensorView& block_tables,
                    int64_t num_tokens, int64_t num_blocks, int64_t block_size) {
  const int64_t num_seqs = seq_lens.size(0);
  const int32_t* qsl = query_start_loc.ptr<int32_t>();
  const int32_t* lens = seq_lens.ptr<int32_t>();
  HS_CHECK(qsl[0] == 0, invalid_argument, "query_start_loc[0] is " << qsl[0] << ", expected 0");
  HS_CHECK(qsl[num_seqs] == num_tokens, shape_mismatch,
           "query_start_loc[" << num_seqs << "] is " << qsl[num_seqs] << ", but q has " << num_tokens << " tokens");
  const int64_t max_blocks = block_tables.size(1);
  for (int64_t b = 0; b < num_seqs; ++b) {
    const int64_t qlen = int64_t{qsl[b + 1]} - qsl[b], seq_len = lens[b];
    HS_CHECK(qlen >= 0, invalid_argument, "query_start_loc decreases at sequence " << b);
    HS_CHECK(seq_len >= qlen, invalid_argument,
             "seq_lens[" << b << "] = " << seq_len << " is shorter than its " << qlen << " query tokens");
    const int64_t used = (seq_len + block_size - 1) / block_size;
    HS_CHECK(used <= max_blocks, out_of_bounds,
             "seq_lens[" << b << "] = " << seq_len << " needs " << used << " blocks, block_tables has " << max_blocks
                         << " columns");
    const int32_t* row = block_tables.ptr<int32_t>() + b * block_tables.stride(0);
    for (int64_t i = 0; i < used; ++i)
      HS_CHECK(row[i] >= 0 && row[i] < num_blocks, out_of_bounds,
               "block_tables[" << b << ", " << i << "] = " << row[i] << " is outside [0, " << num_blocks << ")");
  }
}

}  // namespace
}  // namespace cpu

void paged_attention(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                     const TensorView& query_start_loc, const TensorView& seq_lens,
                     const TensorView& block_tables, const TensorView* sinks, const AttentionParams& params,
                     const TensorView& out) {
  using cpu::check_dim;
  cpu::check_host_rows(q, "q", 3, {DType::f32});
  cpu::check_host_rows(key_cache, "key_cache", 4, {DType::f32});
  cpu::check_host_rows(value_cache, "value_cache", 4, {DType::f32});
  cpu::check_host_rows(query_start_loc, "query_start_loc", 1, {DType::i32});
  cpu::check_host_rows(seq_lens, "seq_lens", 1, {DType::i32});
  cpu::check_host_rows(block_tables, "block_tables", 2, {DType::i32});
  cpu::check_host_rows(out, "out", 3, {DType::f32});
  cpu::check_attention_params(params);
  const int64_t num_tokens = q.size(0), num_heads = q.size(1), head_size = q.size(2);
  const int64_t num_seqs = seq_lens.size(0);
  HS_CHECK(num_tokens > 0 && num_seqs > 0, empty_batch,
           "paged_attention: " << num_tokens << " tokens in " << num_seqs << " sequences");
  const int64_t num_blocks = key_cache.size(0), block_size = key_cache.size(1), num_kv_heads = key_cache.size(2);
  for (int d = 0; d < 4; ++d) check_dim(value_cache, "value_cache", d, key_cache.size(d));
  check_dim(key_cache, "key_cache", 3, head_size);
  for (int d = 0; d < 3; ++d) check_dim(out, "out", d, q.size(d));
  HS_CHECK(head_size > 0 && block_size > 0, shape_mismatch, "head_size and block_size must be > 0");
  HS_CHECK(num_kv_heads > 0 && num_heads % num_kv_heads == 0, shape_mismatch,
           "q has " << num_heads << " heads, not a multiple of the caches' " << num_kv_heads << " KV heads");
  check_dim(query_start_loc, "query_start_loc", 0, num_seqs + 1);
  check_dim(block_tables, "block_tables", 0, num_seqs);
  if (sinks != nullptr) {
    cpu::check_host_rows(*sinks, "sinks", 1, {DType::f32});
    check_dim(*sinks, "sinks", 0, num_heads);
  }
  cpu::check_metadata(query_start_loc, seq_lens, block_tables, num_tokens, num_blocks, block_size);

  const cpu::AttentionProblem problem{
      q.ptr<float>(), q.stride(0), q.stride(1),
      key_cache.ptr<float>(), key_cache.stride(0), key_cache.stride(1), key_cache.stride(2),
      value_cache.ptr<float>(), value_cache.stride(0), value_cache.stride(1), value_cache.stride(2),
      block_tables.ptr<int32_t>(), block_tables.stride(0),
      head_size, num_heads / num_kv_heads, block_size,
      params.scale, params.sliding_window, params.softcap};
  const cpu::AttentionShape shape{query_start_loc.ptr<int32_t>(), seq_lens.ptr<int32_t>(), num_seqs,
                                  num_kv_heads, num_heads / num_kv_heads, head_size, params.sliding_window};
  const cpu::AttentionOutput output{out.ptr<float>(), out.stride(0), out.stride(1),
                                    sinks ? sinks->ptr<float>() : nullptr};
  cpu::run_attention(problem, cpu::plan_attention(shape, cpu::num_threads()), output,
                     cpu::attend_for(cpu::active_isa()));
}

}  // namespace hipserve
