#include "attention_plan.h"

#include <algorithm>
#include <numeric>

namespace hipserve::cpu {
namespace {

constexpr int64_t kAccBudgetFloats = 8192;    // 32 KiB of accumulators per item
constexpr int64_t kMinKeysPerPartition = 256;
constexpr int64_t kMaxPartitions = 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Tiling {
  int64_t kv_heads_per_item, head_groups, heads_per_item, tokens_per_tile;
};

// Decodes take many KV heads per item (their K/V rows then lie next to each other in the cache, and are read
// in memory order); prefills take one KV head and a tile of tokens.
Tiling tiling(const AttentionShape& s, int64_t query_len) {
  const int64_t rows_cap = std::max<int64_t>(1, kAccBudgetFloats / std::max<int64_t>(s.head_size, 1));
  const int64_t head_groups = ceil_div(s.group_size, rows_cap);
  const int64_t heads = ceil_div(s.group_size, head_groups);
  const int64_t kv_cap = head_groups > 1 ? 1 : std::clamp<int64_t>(rows_cap / (heads * query_len), 1, s.num_kv_heads);
  const int64_t kv_heads = ceil_div(s.num_kv_heads, ceil_div(s.num_kv_heads, kv_cap));
  return {kv_heads, head_groups, heads, std::max<int64_t>(1, rows_cap / (heads * kv_heads))};
}

int64_t items_per_partition(const AttentionShape& s, const Tiling& t, int64_t query_len) {
  return ceil_div(query_len, t.tokens_per_tile) * ceil_div(s.num_kv_heads, t.kv_heads_per_item) * t.head_groups;
}

int64_t query_len(const AttentionShape& s, int64_t b) { return s.query_start_loc[b + 1] - s.query_start_loc[b]; }

int64_t partitions_for(const AttentionShape& s, int64_t b, int64_t base_items, int threads) {
  const int64_t target = 4 * static_cast<int64_t>(threads);
  if (threads <= 1 || base_items >= target) return 1;
  const int64_t by_length = s.seq_lens[b] / kMinKeysPerPartition;
  return std::clamp<int64_t>(std::min(ceil_div(target, base_items), by_length), 1, kMaxPartitions);
}

}  // namespace

AttentionPlan plan_attention(const AttentionShape& s, int threads) {
  int64_t base_items = 0;
  for (int64_t b = 0; b < s.num_seqs; ++b)
    base_items += items_per_partition(s, tiling(s, query_len(s, b)), query_len(s, b));

  AttentionPlan plan;
  std::vector<int64_t> cost;
  for (int64_t b = 0; b < s.num_seqs; ++b) {
    const int64_t qlen = query_len(s, b), seq_len = s.seq_lens[b];
    if (qlen == 0) continue;
    const Tiling t = tiling(s, qlen);
    const int64_t parts = partitions_for(s, b, base_items, threads);
    const int64_t part_len = ceil_div(ceil_div(seq_len, parts), kKeyChunk) * kKeyChunk;
    for (int64_t t0 = 0; t0 < qlen; t0 += t.tokens_per_tile) {
      const int64_t t1 = std::min(qlen, t0 + t.tokens_per_tile);
      const int64_t first_pos = seq_len - qlen + t0, last_pos = seq_len - qlen + t1 - 1;
      const int64_t key_lo = s.sliding_window > 0 ? std::max<int64_t>(0, first_pos - s.sliding_window + 1) : 0;
      const int64_t key_hi = last_pos + 1;
      const int64_t p_lo = key_lo / part_len, p_hi = ceil_div(key_hi, part_len);
      for (int64_t kv = 0; kv < s.num_kv_heads; kv += t.kv_heads_per_item) {
        for (int64_t g = 0; g < t.head_groups; ++g) {
          AttentionItem item{};
          item.seq = b;
          item.kv_head_begin = kv;
          item.kv_head_end = std::min(s.num_kv_heads, kv + t.kv_heads_per_item);
          item.head_begin = g * t.heads_per_item;
          item.head_end = std::min(s.group_size, item.head_begin + t.heads_per_item);
          item.token_begin = s.query_start_loc[b] + t0;
          item.token_end = s.query_start_loc[b] + t1;
          item.first_position = first_pos;
          item.partial = -1;
          const int64_t rows = item.rows();
          plan.max_rows = std::max(plan.max_rows, rows);
          const bool split = p_hi - p_lo > 1;
          if (split) plan.splits.push_back({static_cast<int64_t>(plan.items.size()), p_hi - p_lo});
          for (int64_t p = p_lo; p < p_hi; ++p) {
            item.key_begin = split ? p * part_len : 0;
            item.key_end = split ? std::min(seq_len, (p + 1) * part_len) : seq_len;
            if (split) {
              item.partial = plan.partial_rows;
              plan.partial_rows += rows;
            }
            plan.items.push_back(item);
            cost.push_back(rows * (std::min(item.key_end, key_hi) - std::max(item.key_begin, key_lo)));
          }
        }
      }
    }
  }
  plan.order.resize(plan.items.size());
  std::iota(plan.order.begin(), plan.order.end(), int64_t{0});
  std::stable_sort(plan.order.begin(), plan.order.end(), [&](int64_t a, int64_t b) { return cost[a] > cost[b]; });
  return plan;
}

}  // namespace hipserve::cpu
