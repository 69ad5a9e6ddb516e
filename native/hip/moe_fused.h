// Fused MoE on the GPU: the CPU fused_moe's semantics (see hipserve/ops.h) for bf16/f16 activations and weights.
//
//   x [T, H], w13 [E, 2I, H] (gate rows [0, I), up rows [I, 2I)), w2 [E, H, I], out [T, H]: one dtype, bf16 or
//   f16; b13 [E, 2I], b2 [E, H] f32 (optional); topk_ids [T, k] i32; topk_weights [T, k] f32. H and I are
//   multiples of 8 and rows start on 16-byte boundaries. Accumulation is f32; act is rounded to the dtype
//   between the GEMMs (as the matrix cores need it), out once at the end.
//
//   decode (T ≤ kMoeDecodeMaxTokens): two kernels, weights streamed once per chosen expert (moe_decode.hip)
//     gate_up: block (pair p, 8 columns) ─ first pair of its expert? ─▶ act [T·k, I]
//     down:    block (pair p, 16 rows)   ─▶ y [T·k, H] f32 ─ last block of the rows: combine into out
//   prefill: topk_ids ─ moe_align ─▶ tiles of pairs by expert ─ grouped GEMMs on matrix cores ─▶ act ─▶ y
//            ─ combine: out[t] (+)= Σ_j topk_weights[t, j] · y[t·k + j]
//
// Only the chosen experts' weights are read. Ids outside [0, E) raise kFaultExpertId; their pairs add nothing.
// Scratch comes from the caching allocator; nothing blocks, so the call can be captured into a graph.
#pragma once
#include "hipserve/ops.h"
#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

enum class MoePath { automatic, decode, prefill };  // decode/prefill force a path (tests, benchmarks)

constexpr int kMoeDecodeMaxTokens = 32;  // automatic: up to this many tokens take the decode path (PERF.md)

void fused_moe(const TensorView& x, const TensorView& w13, const TensorView* b13, const TensorView& w2,
               const TensorView* b2, const TensorView& topk_ids, const TensorView& topk_weights,
               const FusedMoeParams& params, const TensorView& out, MoePath path, hipStream_t stream);

}  // namespace hipserve::gpu
