// The paged-attention kernel on 16-lane AVX-512 vectors.
// GCC 12 reports its own _mm512_undefined_ps() placeholders inside the intrinsics as uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "attention_hsum_x86.h"
#include "attention_item_impl.h"

namespace hipserve::cpu {
namespace {

struct Avx512 {
  using reg = __m512;
  static constexpr int W = 16;
  static reg zero() { return _mm512_setzero_ps(); }
  static reg set1(float x) { return _mm512_set1_ps(x); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm512_min_ps(a, b); }
  static float reduce_add(reg v) { return _mm512_reduce_add_ps(v); }
  static __m256 fold(reg v) { return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)); }
  static void reduce_add4(reg a, reg b, reg c, reg d, float* out) {
    _mm_storeu_ps(out, hsum4(fold(a), fold(b), fold(c), fold(d)));
  }
  static float reduce_max(reg v) { return _mm512_reduce_max_ps(v); }
  static reg round(reg v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static reg pow2i(reg n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  static reg zero_where_below(reg value, reg x, float limit) {
    __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(limit), _CMP_GE_OQ);
    return _mm512_maskz_mov_ps(keep, value);
  }
};

}  // namespace

void attend_avx512(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out) {
  attend<Avx512>(p, item, out);
}

}  // namespace hipserve::cpu
