#include <algorithm>

#include "checks.h"
#include "cpu_isa.h"
#include "hipserve/ops.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

// Rotate-half (GPT-NeoX): pairs (i, i + half).
HS_MULTIVERSION
void rotate_neox(float* x, const float* cos, const float* sin, int64_t half) {
  float* x2 = x + half;
  for (int64_t i = 0; i < half; ++i) {
    float a = x[i], b = x2[i];
    x[i] = a * cos[i] - b * sin[i];
    x2[i] = b * cos[i] + a * sin[i];
  }
}

// Interleaved (GPT-J): pairs (2i, 2i + 1).
HS_MULTIVERSION
void rotate_gptj(float* x, const float* cos, const float* sin, int64_t half) {
  for (int64_t i = 0; i < half; ++i) {
    float a = x[2 * i], b = x[2 * i + 1];
    x[2 * i] = a * cos[i] - b * sin[i];
    x[2 * i + 1] = b * cos[i] + a * sin[i];
  }
}

struct RotaryProblem {
  const int32_t* positions;
  int64_t tokens;
  float* q;
  int64_t q_stride, q_heads;
  float* k;
  int64_t k_stride, k_heads;
  const float* cache;  // [max_position, rot_dim]: cos then sin
  int64_t cache_stride, rot_dim, head_size;
  bool is_neox;
};

void rotary_launch(const RotaryProblem& p) {
  auto rotate = p.is_neox ? rotate_neox : rotate_gptj;
  const int64_t half = p.rot_dim / 2;
  const int64_t work_per_token = std::max<int64_t>(1, (p.q_heads + p.k_heads) * p.rot_dim);
  parallel_for(p.tokens, std::max<int64_t>(1, 16384 / work_per_token), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const float* cos = p.cache + p.positions[t] * p.cache_stride;
      const float* sin = cos + half;
      for (int64_t h = 0; h < p.q_heads; ++h) rotate(p.q + t * p.q_stride + h * p.head_size, cos, sin, half);
      for (int64_t h = 0; h < p.k_heads; ++h) rotate(p.k + t * p.k_stride + h * p.head_size, cos, sin, half);
    }
  });
}

}  // namespace
}  // namespace cpu

void rotary_embedding(const TensorView& positions, const TensorView& q, const TensorView& k,
                      const TensorView& cos_sin_cache, int64_t head_size, bool is_neox) {
  cpu::check_host_rows(positions, "positions", 1, {DType::i32});
  cpu::check_host_rows(q, "q", 2, {DType::f32});
  cpu::check_host_rows(k, "k", 2, {DType::f32});
  cpu::check_host_rows(cos_sin_cache, "cos_sin_cache", 2, {DType::f32});
  cpu::check_nonempty(q, "q");
  cpu::check_nonempty(k, "k");
  cpu::check_nonempty(cos_sin_cache, "cos_sin_cache");
  cpu::check_dim(q, "q", 0, positions.size(0));
  cpu::check_dim(k, "k", 0, positions.size(0));
  HS_CHECK(head_size > 0 && q.size(1) % head_size == 0 && k.size(1) % head_size == 0, shape_mismatch,
           "head_size " << head_size << " must divide the widths of q (" << q.size(1) << ") and k (" << k.size(1)
                        << ")");
  const int64_t rot_dim = cos_sin_cache.size(1);
  HS_CHECK(rot_dim % 2 == 0 && rot_dim <= head_size, shape_mismatch,
           "cos_sin_cache: rot_dim " << rot_dim << " must be even and at most head_size " << head_size);
  const int32_t* pos = positions.ptr<int32_t>();
  const int64_t max_position = cos_sin_cache.size(0);
  for (int64_t t = 0; t < positions.size(0); ++t)
    HS_CHECK(pos[t] >= 0 && pos[t] < max_position, out_of_bounds,
             "positions[" << t << "] = " << pos[t] << " is outside the cos/sin cache's " << max_position << " rows");
  cpu::rotary_launch({pos, positions.size(0), q.ptr<float>(), q.stride(0), q.size(1) / head_size, k.ptr<float>(),
                      k.stride(0), k.size(1) / head_size, cos_sin_cache.ptr<float>(), cos_sin_cache.stride(0),
                      rot_dim, head_size, is_neox});
}

}  // namespace hipserve
