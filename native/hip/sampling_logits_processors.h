// Per-request logits processors on the GPU, in place and in vLLM's order (as src/sampling/logits-processors.ts):
// allowed ids, masked ids (bad ids, and stop/EOS ids before min_tokens), logit_bias, then repetition and
// frequency/presence penalties. Each row's token lists are four CSR segments of one (ids, values) pair:
//
//   offsets[4r] .. offsets[4r+1]   allowed ids (empty: all allowed); values there are scratch
//   offsets[4r+1] .. offsets[4r+2] ids set to -inf
//   offsets[4r+2] .. offsets[4r+3] logit_bias ids, values = the bias (each id once)
//   offsets[4r+3] .. offsets[4r+4] ids in the prompt or output (each once), values = times in the output
//
// penalties [B, 3] f32 = (repetition, frequency, presence) per row. One block per row; rows with empty segments
// cost one read of their offsets. Ids outside [0, V) and malformed offsets are skipped and raise a kernel fault.
#pragma once
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

constexpr int kProcessorSegments = 4;

// logits [B, V] f32; offsets [4B + 1] i32; ids [T] i32; values [T] f32 (written: allowed-id scratch);
// penalties [B, 3] f32.
void apply_logits_processors(const TensorView& logits, const TensorView& offsets, const TensorView& ids,
                             const TensorView& values, const TensorView& penalties, hipStream_t stream);

}  // namespace hipserve::gpu
