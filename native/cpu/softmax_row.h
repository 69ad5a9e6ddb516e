// Vectorized row reductions shared by the softmax family and the sampling kernels.
#pragma once
#include <cstdint>

namespace hipserve::cpu {

// Largest element, ignoring NaN; -inf when there is none.
float row_max(const float* x, int64_t n);
// Σ exp(x[i] - shift), accumulated in double.
double row_exp_sum(const float* x, int64_t n, float shift);
// e[i] = exp(x[i] - shift) (e may alias x); returns Σ e[i], accumulated in double.
double row_exp_store(const float* x, int64_t n, float shift, float* e);
// The same over the elements >= floor only (NaN never is): others count, and are stored, as 0.
double row_exp_sum_at_least(const float* x, int64_t n, float shift, float floor);
double row_exp_store_at_least(const float* x, int64_t n, float shift, float floor, float* e);
void row_scale(float* x, int64_t n, float factor);
void row_add(const float* x, int64_t n, float addend, float* out);

// Rows of this many elements or fewer go to one thread together (about 16K elements per task).
inline int64_t row_grain(int64_t row_elems) { return row_elems >= 16384 ? 1 : 16384 / (row_elems > 0 ? row_elems : 1); }

}  // namespace hipserve::cpu
