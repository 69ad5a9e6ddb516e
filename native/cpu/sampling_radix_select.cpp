#include "sampling_radix_select.h"

#include <array>
#include <cstring>

#include "cpu_isa.h"

namespace hipserve::cpu {
namespace {

constexpr std::array<int, 3> kDigitBits = {11, 11, 10};
constexpr int kMaxBins = 1 << 11;

struct Bin {
  double weight;
  int64_t count;
};

// One radix pass: histograms the elements whose key starts with `prefix` (the top 32 - shift bits), then
// walks the bins from the top and returns the first whose cumulative weight reaches the target.
template <bool kUnitWeights>
uint32_t select_digit(const uint32_t* keys, const float* weights, int64_t n, double target, uint32_t prefix,
                      int shift, int bits, double& above, Bin* bins) {
  const int next_shift = shift - bits;
  const uint32_t mask = (1u << bits) - 1;
  std::memset(bins, 0, sizeof(Bin) * (size_t{1} << bits));
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t k = keys[i];
    if (shift < 32 && (k >> shift) != prefix) continue;
    Bin& b = bins[(k >> next_shift) & mask];
    b.weight += kUnitWeights ? 1.0 : static_cast<double>(weights[i]);
    ++b.count;
  }
  int64_t lowest = -1;
  for (int64_t d = mask; d >= 0; --d) {
    if (bins[d].count == 0) continue;
    lowest = d;
    if (above + bins[d].weight >= target) return static_cast<uint32_t>(d);
    above += bins[d].weight;
  }
  above -= bins[lowest].weight;  // short of the target: descend into the lowest bin, keeping everything
  return static_cast<uint32_t>(lowest);
}

template <bool kUnitWeights>
uint32_t select_from_top(const uint32_t* keys, const float* weights, int64_t n, double target) {
  Bin bins[kMaxBins];
  uint32_t prefix = 0;
  int shift = 32;
  double above = 0;
  for (int bits : kDigitBits) {
    uint32_t digit = select_digit<kUnitWeights>(keys, weights, n, target, prefix, shift, bits, above, bins);
    prefix = (prefix << bits) | digit;
    shift -= bits;
  }
  return prefix;
}

}  // namespace

HS_MULTIVERSION
void float_keys(const float* x, int64_t n, uint32_t* keys) {
  constexpr uint32_t kNegInfBits = 0xff800000u;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t b;
    std::memcpy(&b, &x[i], sizeof b);
    b = x[i] == x[i] ? b : kNegInfBits;
    keys[i] = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
  }
}

float key_to_float(uint32_t key) {
  uint32_t b = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

uint32_t select_count_from_top(const uint32_t* keys, int64_t n, int64_t count) {
  return select_from_top<true>(keys, nullptr, n, static_cast<double>(count));
}

uint32_t select_mass_from_top(const uint32_t* keys, const float* weights, int64_t n, double target) {
  return select_from_top<false>(keys, weights, n, target);
}

}  // namespace hipserve::cpu
