// The paged-attention kernel on 8-lane AVX2/FMA vectors.
#include <immintrin.h>

#include "attention_hsum_x86.h"
#include "attention_item_impl.h"

namespace hipserve::cpu {
namespace {

struct Avx2 {
  using reg = __m256;
  static constexpr int W = 8;
  static reg zero() { return _mm256_setzero_ps(); }
  static reg set1(float x) { return _mm256_set1_ps(x); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static __m128 halves(reg v, __m128 (*op)(__m128, __m128)) {
    __m128 x = op(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = op(x, _mm_movehl_ps(x, x));
    return op(x, _mm_movehdup_ps(x));
  }
  static float reduce_add(reg v) { return _mm_cvtss_f32(halves(v, [](__m128 a, __m128 b) { return _mm_add_ps(a, b); })); }
  static void reduce_add4(reg a, reg b, reg c, reg d, float* out) { _mm_storeu_ps(out, hsum4(a, b, c, d)); }
  static float reduce_max(reg v) { return _mm_cvtss_f32(halves(v, [](__m128 a, __m128 b) { return _mm_max_ps(a, b); })); }
  static reg round(reg v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static reg pow2i(reg n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static reg zero_where_below(reg value, reg x, float limit) {
    return _mm256_and_ps(value, _mm256_cmp_ps(x, _mm256_set1_ps(limit), _CMP_GE_OQ));
  }
};

}  // namespace

void attend_avx2(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out) {
  attend<Avx2>(p, item, out);
}

}  // namespace hipserve::cpu
