// Threshold search from the top of a row without sorting it: radix select over order-preserving 32-bit
// keys, three passes of 11/11/10 bits, each a histogram (count and weight per bucket) of the elements still
// in play. Serves top-k (weight 1 each) and top-p (weight = probability) alike.
#pragma once
#include <cstdint>

namespace hipserve::cpu {

// keys[i] = an unsigned key ordered like x[i], NaN ordered as -inf. key_to_float inverts it.
void float_keys(const float* x, int64_t n, uint32_t* keys);
float key_to_float(uint32_t key);

// The largest key t such that the elements with key >= t number at least `count` (count >= 1): the key of
// the count-th largest element.
uint32_t select_count_from_top(const uint32_t* keys, int64_t n, int64_t count);
// The largest key t such that the elements with key >= t weigh at least `target` in total. If rounding
// leaves every element short of it, the smallest key.
uint32_t select_mass_from_top(const uint32_t* keys, const float* weights, int64_t n, double target);

}  // namespace hipserve::cpu
