// The paged-attention kernel on plain 8-float arrays, which compilers vectorize for the baseline ISA
// (SSE2 on x86-64, NEON on arm64): the path for CPUs without AVX2 and for other architectures.
#include <cstring>

#include "attention_item_impl.h"

namespace hipserve::cpu {
namespace {

struct Portable {
  static constexpr int W = 8;
  struct reg {
    float v[W];
  };
  template <class F>
  static reg map(reg a, reg b, F f) {
    reg r;
    for (int i = 0; i < W; ++i) r.v[i] = f(a.v[i], b.v[i]);
    return r;
  }
  static reg set1(float x) {
    reg r;
    for (int i = 0; i < W; ++i) r.v[i] = x;
    return r;
  }
  static reg zero() { return set1(0.0f); }
  static reg load(const float* p) {
    reg r;
    std::memcpy(r.v, p, sizeof(r.v));
    return r;
  }
  static void store(float* p, reg v) { std::memcpy(p, v.v, sizeof(v.v)); }
  static reg add(reg a, reg b) { return map(a, b, [](float x, float y) { return x + y; }); }
  static reg sub(reg a, reg b) { return map(a, b, [](float x, float y) { return x - y; }); }
  static reg mul(reg a, reg b) { return map(a, b, [](float x, float y) { return x * y; }); }
  static reg fmadd(reg a, reg b, reg c) { return add(mul(a, b), c); }
  static reg max(reg a, reg b) { return map(a, b, [](float x, float y) { return x > y ? x : y; }); }
  static reg min(reg a, reg b) { return map(a, b, [](float x, float y) { return x < y ? x : y; }); }
  static float reduce_add(reg a) {
    for (int w = W / 2; w > 0; w /= 2)
      for (int i = 0; i < w; ++i) a.v[i] += a.v[i + w];
    return a.v[0];
  }
  static void reduce_add4(reg a, reg b, reg c, reg d, float* out) {
    out[0] = reduce_add(a);
    out[1] = reduce_add(b);
    out[2] = reduce_add(c);
    out[3] = reduce_add(d);
  }
  static float reduce_max(reg a) {
    float m = a.v[0];
    for (int i = 1; i < W; ++i) m = a.v[i] > m ? a.v[i] : m;
    return m;
  }
  static reg round(reg a) {
    reg r;
    for (int i = 0; i < W; ++i) r.v[i] = std::nearbyint(a.v[i]);
    return r;
  }
  static reg pow2i(reg n) {
    reg r;
    for (int i = 0; i < W; ++i) {
      uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n.v[i]) + 127) << 23;
      std::memcpy(&r.v[i], &bits, sizeof(bits));
    }
    return r;
  }
  static reg zero_where_below(reg value, reg x, float limit) {
    for (int i = 0; i < W; ++i) value.v[i] = x.v[i] >= limit ? value.v[i] : 0.0f;
    return value;
  }
};

}  // namespace

void attend_portable(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out) {
  attend<Portable>(p, item, out);
}

}  // namespace hipserve::cpu
