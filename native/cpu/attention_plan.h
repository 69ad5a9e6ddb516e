// How one paged_attention call is cut into work items (see attention_item.h).
//
// Each sequence's query tokens are cut into tiles and each KV head's query heads into groups, so that an
// item's accumulators (rows x head_size floats) stay in L1/L2; every K/V row an item reads serves all of its
// rows. When that leaves too few items to occupy the threads (few sequences, long contexts: decode), the
// keys are also split into partitions whose partial softmax states are merged afterwards (flash-decoding).
#pragma once
#include <cstdint>
#include <vector>

#include "attention_item.h"

namespace hipserve::cpu {

struct AttentionShape {
  const int32_t* query_start_loc;  // [num_seqs + 1], validated
  const int32_t* seq_lens;         // [num_seqs], validated
  int64_t num_seqs, num_kv_heads, group_size, head_size, sliding_window;
};

struct AttentionPlan {
  // Items that split one tile's keys into partitions, consecutive in `items`, partials in row order.
  struct Split {
    int64_t first_item, num_items;
  };
  std::vector<AttentionItem> items;
  std::vector<int64_t> order;  // item indices, most expensive first
  std::vector<Split> splits;
  int64_t partial_rows = 0;
  int64_t max_rows = 0;  // the largest item's rows
};

AttentionPlan plan_attention(const AttentionShape& shape, int threads);

}  // namespace hipserve::cpu
