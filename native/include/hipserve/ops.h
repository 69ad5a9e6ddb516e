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

}  // namespace hipserve
