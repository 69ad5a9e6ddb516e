// One unit of paged-attention work and the per-ISA kernels that compute it.
//
// A work item is (sequence, a tile of its query tokens, some KV heads with some of their query heads, a range
// of key positions). Its rows are ordered (KV head, token, query head); the kernel leaves for each row the running softmax
// state of flash attention over the item's keys: max score m, sum of exp(score - m) l, and
// acc = Σ exp(score - m) · v (unnormalised), so that partitions of the keys can be merged afterwards.
#pragma once
#include <cstdint>

#include "cpu_isa.h"

namespace hipserve::cpu {

// Pointers and dimensions of one validated paged_attention call.
struct AttentionProblem {
  const float* q;
  int64_t q_token_stride, q_head_stride;
  const float* key_cache;
  int64_t k_block_stride, k_offset_stride, k_head_stride;
  const float* value_cache;
  int64_t v_block_stride, v_offset_stride, v_head_stride;
  const int32_t* block_tables;
  int64_t block_table_stride;
  int64_t head_size, group_size, block_size;
  float scale;
  int64_t sliding_window;  // 0: none
  float softcap;           // 0: none
};

struct AttentionItem {
  int64_t seq;
  int64_t kv_head_begin, kv_head_end;  // KV heads; several only when each takes its whole group
  int64_t head_begin, head_end;        // query heads within each KV head's group
  int64_t token_begin, token_end;      // rows of q
  int64_t first_position;              // context position of token_begin; later tokens follow it
  int64_t key_begin, key_end;          // key positions this item covers (a partition of the context)
  int64_t partial;                     // first row in the partial buffers, or -1 when the item sees every key

  int64_t heads_per_kv() const { return head_end - head_begin; }
  int64_t tokens() const { return token_end - token_begin; }
  int64_t rows_per_kv() const { return tokens() * heads_per_kv(); }
  int64_t rows() const { return (kv_head_end - kv_head_begin) * rows_per_kv(); }
  // Row r is (KV head, token, query head), the last varying fastest.
  int64_t row_token(int64_t r) const { return token_begin + r % rows_per_kv() / heads_per_kv(); }
  int64_t row_head(int64_t r, int64_t group_size) const {
    return (kv_head_begin + r / rows_per_kv()) * group_size + head_begin + r % heads_per_kv();
  }
};

// Keys are processed in chunks of this many.
constexpr int64_t kKeyChunk = 32;

// Where a kernel leaves its results (row_max[rows], row_sum[rows], acc[rows, head_size]) and its working
// space (scores[rows, kKeyChunk], q_rows[rows]).
struct AttendBuffers {
  float* row_max;
  float* row_sum;
  float* acc;
  float* scores;
  const float** q_rows;
};

using AttendFn = void (*)(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out);

void attend_portable(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out);
void attend_avx2(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out);
void attend_avx512(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out);

inline AttendFn attend_for(Isa isa) {
#if defined(HS_HAVE_AVX512)
  if (isa == Isa::avx512) return attend_avx512;
#endif
#if defined(HS_HAVE_AVX2)
  if (isa == Isa::avx2 || isa == Isa::avx512) return attend_avx2;
#endif
  (void)isa;
  return attend_portable;
}

}  // namespace hipserve::cpu
