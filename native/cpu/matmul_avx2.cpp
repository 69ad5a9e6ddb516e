// matmul micro-kernels for AVX2 + FMA + F16C.
#include <immintrin.h>

#include "matmul_tiles.h"

namespace hipserve::cpu {
namespace {

struct V256 {
  static constexpr int64_t kLanes = 8;
  using reg = __m256;
  static reg zero() { return _mm256_setzero_ps(); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg load(const Bf16* p) {
    __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
  }
  static reg load(const F16* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static reg fma(reg a, reg b, reg acc) { return _mm256_fmadd_ps(a, b, acc); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static float reduce(reg v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
};

}  // namespace

const MatmulIsaKernels& matmul_kernels_avx2() {
  // 4 weight rows × 16 rows of x (two registers): 8 accumulators. With 6 rows (12 of the 16 registers)
  // GCC 12 stores every accumulator on each iteration, which halves the speed.
  static const MatmulIsaKernels kernels = make_matmul_kernels<V256, 4, 1>();
  return kernels;
}

}  // namespace hipserve::cpu
