// matmul micro-kernels for arm64 NEON (Advanced SIMD with FP16 conversions, always present on AArch64).
#include <arm_neon.h>

#include "matmul_tiles.h"

namespace hipserve::cpu {
namespace {

struct VNeon {
  static constexpr int64_t kLanes = 4;
  using reg = float32x4_t;
  static reg zero() { return vdupq_n_f32(0.0f); }
  static reg load(const float* p) { return vld1q_f32(p); }
  static reg load(const Bf16* p) {
    return vreinterpretq_f32_u32(vshlq_n_u32(vmovl_u16(vld1_u16(reinterpret_cast<const uint16_t*>(p))), 16));
  }
  static reg load(const F16* p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const uint16_t*>(p))));
  }
  static reg fma(reg a, reg b, reg acc) { return vfmaq_f32(acc, a, b); }
  static reg add(reg a, reg b) { return vaddq_f32(a, b); }
  static reg broadcast(const float* p) { return vld1q_dup_f32(p); }
  static void store(float* p, reg v) { vst1q_f32(p, v); }
  static float reduce(reg v) { return vaddvq_f32(v); }
  static void prefetch(const void* p) { __builtin_prefetch(p); }
};

}  // namespace

const MatmulIsaKernels& matmul_kernels_neon() {
  // 4 weight rows × 16 rows of x (four registers): 16 accumulators of the 32 registers, leaving room so
  // that the compiler keeps them all in registers.
  static const MatmulIsaKernels kernels = make_matmul_kernels<VNeon, 4, 1>();
  return kernels;
}

}  // namespace hipserve::cpu
