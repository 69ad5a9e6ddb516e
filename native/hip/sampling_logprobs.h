// Log-probabilities on the GPU (src/sampling/logprobs.ts): from log_softmax of raw logits rows, the sampled
// token's logprob and rank (1 + the number of strictly larger logits), and the k most likely tokens, best first,
// the lower index first among equals. One block per row; the top k come from a radix select (no sort).
#pragma once
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

constexpr int kMaxTopLogprobs = 256;

struct LogprobsArgs {
  TensorView rows;           // [M, V] f32 raw logits
  TensorView row_index;      // [M] i32: logprobs row m reads rows[m] when gathered, else rows[row_index[m]]
  TensorView sampled;        // [B] i32 sampled token ids; row m's token is sampled[row_index[m]]
  bool gathered;             // rows holds exactly the M rows (else: all B rows, M of them asking)
  TensorView token;          // out [M, 2] f32: (logprob, rank) of the sampled token
  TensorView top_ids;        // out [M, K] i32 (K <= kMaxTopLogprobs; may be 0 wide); -1 past V
  TensorView top_logprobs;   // out [M, K] f32; -inf past V
};

void logprobs(const LogprobsArgs& args, hipStream_t stream);

// dst[m] = src[row_index[m]]: copies the raw rows that ask for logprobs before the processors edit them.
void gather_rows(const TensorView& src, const TensorView& row_index, const TensorView& dst, hipStream_t stream);

}  // namespace hipserve::gpu
