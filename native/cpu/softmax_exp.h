// exp(x) in a form GCC vectorizes (plain arithmetic and selects, no libm call), for the softmax family,
// the sampling kernels and the activations. Cephes' expf polynomial: about 2 ulp over the normal range;
// results below FLT_MIN flush to 0, so exp(-inf) is exactly 0. NaN propagates.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

namespace hipserve::cpu {

inline float fast_exp(float x) {
  constexpr float kLo = -87.3f, kHi = 88.3f;  // 2^n stays a normal float for n = round(x / ln 2)
  constexpr float kRound = 12582912.0f;       // 1.5 * 2^23: adding it rounds to an integer
  constexpr int32_t kRoundBits = 0x4B400000;
  float xc = x > kLo ? x : kLo;
  xc = xc < kHi ? xc : kHi;
  float t = xc * 1.44269504088896341f + kRound;
  float n = t - kRound;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  int32_t t_bits;
  std::memcpy(&t_bits, &t, sizeof t_bits);
  int32_t scale_bits = (t_bits - kRoundBits + 127) << 23;
  float scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  float e = y * scale;
  e = x > kLo ? e : 0.0f;
  e = x < kHi ? e : std::numeric_limits<float>::infinity();
  return x == x ? e : x;
}

}  // namespace hipserve::cpu
