// The (token, slot) pairs of a MoE call sorted by expert and padded to the GEMM tile (vLLM's
// moe_align_block_size), all on the device, from sizes the host knows (graph-safe):
//
//   topk_ids [T, k] ─ count per expert ─ scan of ceil(count / tile) ─▶ block_expert [max_blocks]
//                    └─ scatter ─▶ sorted_pairs [max_rows]: tile b holds pairs p = t·k + j of expert
//                                   block_expert[b], then `pairs` (T·k) as padding
//
//   tile 0 (expert 3)   tile 1 (expert 3)   tile 2 (expert 9)   ...   used_blocks = tiles in use
//   [p p p p]           [p p P P]           [p P P P]                 (P = padding)
//
// An id outside [0, E) raises kFaultExpertId and its pair is left out (its output row is never written).
#pragma once
#include <cstdint>

#include "platform/gpu.h"

namespace hipserve::gpu {

constexpr int kMoeAlignMaxExperts = 1024;  // one thread per expert in the scan

struct MoeAlignPlan {
  int tile;            // rows per GEMM tile
  int64_t pairs;       // T·k
  int64_t max_blocks;  // tiles the padded list can need: ceil((pairs + min(E, pairs)·(tile − 1)) / tile)
  int64_t max_rows() const { return max_blocks * tile; }
};

MoeAlignPlan plan_moe_align(int64_t pairs, int64_t experts, int tile);

struct MoeAlignment {
  int32_t* sorted_pairs;  // [max_rows]
  int32_t* block_expert;  // [max_blocks], -1 past used_blocks
  int32_t* used_blocks;   // [1]
};

void moe_align_launch(const int32_t* topk_ids, int64_t ids_stride, int top_k, int experts, const MoeAlignPlan& plan,
                      const MoeAlignment& out, int32_t* fault, hipStream_t stream);

}  // namespace hipserve::gpu
