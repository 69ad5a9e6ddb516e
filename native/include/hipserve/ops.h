// The kernel library's host API. Every entry validates its views (throwing hipserve::Error with a code)
// before touching memory, so no argument can make it read or write outside the views it was given.
// Layout conventions (row-major, strides in elements, innermost dimension dense):
//   T = tokens in the step, B = sequences, H = hidden size, D = head size, V = vocabulary.
//   Paged KV cache, per layer: key_cache / value_cache [num_blocks, block_size, num_kv_heads, D].
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"

namespace hipserve {

// --- runtime configuration -------------------------------------------------------------------
void set_num_threads(int n);  // CPU thread pool size; n <= 0 means one per core
int num_threads();
// The CPU instruction set the kernels dispatch to: "avx512", "avx2", "neon" or "scalar". The environment
// variable HIPSERVE_CPU_ISA (same names) caps it, so tests can exercise every path on one machine.
const char* cpu_isa();

// --- dense algebra ---------------------------------------------------------------------------
// out[M, N] = x[M, K] · w[N, K]ᵀ (+ bias[N]). x, out, bias f32; w f32, f16 or bf16 (nn.Linear layout).
// M == 1 is the GEMV (decode) path.
void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out);

// --- normalisation and activations -----------------------------------------------------------
// out = x / sqrt(mean(x²) + eps) * weight, per row. x, out [T, H] f32 (may alias); weight [H] f32.
void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& out);
// residual += x; x = rms_norm(residual) * weight, in place (vLLM's fused_add_rms_norm).
void fused_add_rms_norm(const TensorView& x, const TensorView& residual, const TensorView& weight, float eps);
// out[T, I] = act(x[:, :I]) * x[:, I:] for x [T, 2I] f32.
void silu_and_mul(const TensorView& x, const TensorView& out);
void gelu_tanh_and_mul(const TensorView& x, const TensorView& out);
// Row softmax of x [R, C] f32 into out (may alias).
void softmax(const TensorView& x, const TensorView& out);
// out[T, H] f32 = table[ids[T]] with table [V, H] f32, f16 or bf16; ids i32, each checked against V.
void embedding(const TensorView& ids, const TensorView& table, const TensorView& out);

// --- rotary embedding ------------------------------------------------------------------------
// In place on q [T, Hq * D] and k [T, Hk * D] (f32) by positions [T] (i32), with
// cos_sin_cache [max_position, rot_dim] f32 holding cos in its first rot_dim/2 columns and sin in the rest.
// rot_dim <= head_size rotates the first rot_dim dims of each head (partial rotary).
// is_neox: rotate-half pairs (i, i + rot_dim/2); otherwise GPT-J interleaved pairs (2i, 2i + 1).
void rotary_embedding(const TensorView& positions, const TensorView& q, const TensorView& k,
                      const TensorView& cos_sin_cache, int64_t head_size, bool is_neox);

// --- paged KV cache and attention ------------------------------------------------------------
// Writes key/value [T, Hk, D] into the caches at slot_mapping[T] (i32; slot = block * block_size + offset;
// a negative slot skips that token, as for padding).
void reshape_and_cache(const TensorView& key, const TensorView& value, const TensorView& key_cache,
                       const TensorView& value_cache, const TensorView& slot_mapping);

struct AttentionParams {
  float scale = 1.0f;           // softmax scale, usually 1/sqrt(D)
  int32_t sliding_window = 0;   // > 0: a query at position p sees keys at positions > p - window
  float softcap = 0.0f;         // > 0: score = softcap * tanh(score / softcap)
};

// Attention for a batch mixing prefill chunks and decodes. Sequence b owns queries
// [query_start_loc[b], query_start_loc[b+1]) of q [T, Hq, D]; they are the last tokens of its
// seq_lens[b] tokens of context, whose keys/values live in the blocks block_tables[b, :] of the caches.
// Causal inside the chunk; GQA with Hq a multiple of Hk. sinks [Hq] f32 (optional) adds one logit per head
// to each softmax denominator (gpt-oss). out [T, Hq, D] f32.
void paged_attention(const TensorView& q, const TensorView& key_cache, const TensorView& value_cache,
                     const TensorView& query_start_loc, const TensorView& seq_lens,
                     const TensorView& block_tables, const TensorView* sinks, const AttentionParams& params,
                     const TensorView& out);

// --- sampling helpers ------------------------------------------------------------------------
// out[B] i32 = argmax of logits [B, V] f32 (lowest index on ties).
void argmax(const TensorView& logits, const TensorView& out);
// In place on logits [B, V] f32: keep the top_k[B] (i32, <= 0 disables) largest, then the smallest set
// whose probability reaches top_p[B] (f32, >= 1 disables), then those with p >= min_p[B] * p_max
// (f32, <= 0 disables); the rest become -inf. Ties at a cut-off are kept.
void top_k_top_p_min_p(const TensorView& logits, const TensorView& top_k, const TensorView& top_p,
                       const TensorView& min_p);
// out[R, C] = log_softmax(x) per row, f32 (may alias).
void log_softmax(const TensorView& x, const TensorView& out);
// out[B] i32: inverse-CDF sample from softmax(logits[b]) with uniform[b] in [0, 1) (f32); -inf logits are
// never chosen. The random numbers come from the caller so that each request's seed alone decides its draw.
void sample_categorical(const TensorView& logits, const TensorView& uniform, const TensorView& out);

// --- mixture of experts ----------------------------------------------------------------------
//   E = experts, k = experts per token, I = one expert's intermediate size.
enum class MoeRouter : int32_t {
  softmax_topk = 0,     // softmax over all experts, then top-k (Qwen3-MoE, Mixtral)
  sigmoid_grouped = 1,  // sigmoid scores, grouped top-k on scores + correction bias (DeepSeek-V3, GLM-4.5)
  topk_softmax = 2,     // top-k of the logits, then softmax over those k (gpt-oss)
};

struct MoeRouteParams {
  MoeRouter router = MoeRouter::softmax_topk;
  int32_t top_k = 1;
  bool renormalize = false;           // selected weights divided by their sum (softmax_topk, sigmoid_grouped)
  int32_t num_groups = 1;             // sigmoid_grouped: experts split in num_groups equal groups,
  int32_t topk_groups = 1;            //   of which the topk_groups with the largest top-2 sums stay eligible
  float routed_scaling_factor = 1.0f; // sigmoid_grouped: multiplies the final weights
};

// Router logits [T, E] f32 → topk_ids [T, k] i32 and topk_weights [T, k] f32, heaviest first.
// correction_bias [E] f32 (optional, sigmoid_grouped only) shifts the choice but not the weights.
void moe_route(const TensorView& logits, const TensorView* correction_bias, const MoeRouteParams& params,
               const TensorView& topk_ids, const TensorView& topk_weights);

enum class MoeActivation : int32_t {
  silu = 0,        // silu(gate) * up
  swiglu_oai = 1,  // gpt-oss: g = min(gate, limit); u = clamp(up, ±limit); (u + 1) * g * sigmoid(alpha * g)
};

struct FusedMoeParams {
  MoeActivation activation = MoeActivation::silu;
  float alpha = 1.702f;
  float limit = 7.0f;
  bool accumulate = false;  // out += result instead of out = result
};

// out[t] = Σ_j topk_weights[t, j] · expert_{topk_ids[t, j]}(x[t]) with expert e(x) =
// w2[e] · act(w13[e] · x + b13[e]) + b2[e]. x, out [T, H] f32 (not overlapping); w13 [E, 2I, H] (gate rows
// [0, I), up rows [I, 2I)) and w2 [E, H, I] f32, f16 or bf16; b13 [E, 2I], b2 [E, H] f32 (optional);
// topk_ids [T, k] i32, each checked against E; topk_weights [T, k] f32. Tokens are grouped by expert, so each
// selected expert's weights are read once per call and unselected experts not at all.
void fused_moe(const TensorView& x, const TensorView& w13, const TensorView* b13, const TensorView& w2,
               const TensorView* b2, const TensorView& topk_ids, const TensorView& topk_weights,
               const FusedMoeParams& params, const TensorView& out);

}  // namespace hipserve
