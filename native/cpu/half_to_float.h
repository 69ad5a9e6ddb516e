// Exact conversions of 16-bit float bit patterns (IEEE f16, bfloat16) to f32, for the portable CPU paths.
#pragma once
#include <cstdint>
#include <cstring>

namespace hipserve::cpu {

inline float bits_to_f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint32_t f32_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

inline float bf16_to_f32(uint16_t b) { return bits_to_f32(static_cast<uint32_t>(b) << 16); }

// Branch-free so row loops vectorize: exponent and mantissa move into f32 position and are rescaled
// by 2^112 (which also normalises subnormals); infinities and NaNs are patched afterwards.
inline float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t em = h & 0x7fffu;
  uint32_t bits = f32_to_bits(bits_to_f32(em << 13) * 0x1p112f);
  bits = em >= 0x7c00u ? (0x7f800000u | ((em & 0x3ffu) << 13)) : bits;
  return bits_to_f32(bits | sign);
}

}  // namespace hipserve::cpu
