// matmul micro-kernels for AVX-512 (F, BW, VL, DQ; f16 weights through F16C's 512-bit form).
// GCC 12's AVX-512 headers trip its own uninitialized-variable warnings (GCC PR105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "matmul_tiles.h"

namespace hipserve::cpu {
namespace {

struct V512 {
  static constexpr int64_t kLanes = 16;
  using reg = __m512;
  static reg zero() { return _mm512_setzero_ps(); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static reg load(const Bf16* p) {
    __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
  }
  static reg load(const F16* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static reg fma(reg a, reg b, reg acc) { return _mm512_fmadd_ps(a, b, acc); }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static float reduce(reg v) { return _mm512_reduce_add_ps(v); }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
};

}  // namespace

const MatmulIsaKernels& matmul_kernels_avx512() {
  // 12 weight rows × 32 rows of x: 24 accumulators of the 32 registers.
  static const MatmulIsaKernels kernels = make_matmul_kernels<V512, 12, 2>();
  return kernels;
}

}  // namespace hipserve::cpu
