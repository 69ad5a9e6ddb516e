// matmul micro-kernels in portable C++ (the fallback, and the reference path under HIPSERVE_CPU_ISA=scalar).
// A "register" is 8 floats; the compiler may map it onto the baseline vector unit (SSE2 on x86-64).
#include <cstring>

#include "half_to_float.h"
#include "matmul_tiles.h"

namespace hipserve::cpu {
namespace {

struct VScalar {
  static constexpr int64_t kLanes = 8;
  struct reg {
    float v[kLanes];
  };
  static reg zero() { return reg{}; }
  static reg load(const float* p) {
    reg r;
    for (int i = 0; i < kLanes; ++i) r.v[i] = p[i];
    return r;
  }
  static reg load(const Bf16* p) {
    reg r;
    for (int i = 0; i < kLanes; ++i) r.v[i] = bf16_to_f32(p[i].bits);
    return r;
  }
  static reg load(const F16* p) {
    reg r;
    for (int i = 0; i < kLanes; ++i) r.v[i] = f16_to_f32(p[i].bits);
    return r;
  }
  static reg fma(reg a, reg b, reg acc) {
    for (int i = 0; i < kLanes; ++i) acc.v[i] += a.v[i] * b.v[i];
    return acc;
  }
  static reg add(reg a, reg b) {
    for (int i = 0; i < kLanes; ++i) a.v[i] += b.v[i];
    return a;
  }
  static reg broadcast(const float* p) {
    reg r;
    for (int i = 0; i < kLanes; ++i) r.v[i] = *p;
    return r;
  }
  static void store(float* p, reg v) { std::memcpy(p, v.v, sizeof v.v); }
  static float reduce(reg v) {
    float s = 0.0f;
    for (int i = 0; i < kLanes; ++i) s += v.v[i];
    return s;
  }
  static void prefetch(const void*) {}
};

}  // namespace

const MatmulIsaKernels& matmul_kernels_scalar() {
  static const MatmulIsaKernels kernels = make_matmul_kernels<VScalar, 4, 1>();
  return kernels;
}

}  // namespace hipserve::cpu
