// Argument checks shared by the sampling kernels.
#pragma once
#include <cstdint>

#include "checks.h"

namespace hipserve::cpu {

// logits [B, V] f32 with B, V > 0 and every column index representable as an i32 token id.
inline void check_logits(const TensorView& logits) {
  check_host_rows(logits, "logits", 2, {DType::f32});
  check_nonempty(logits, "logits");
  HS_CHECK(logits.size(1) <= INT32_MAX, invalid_argument, "logits: vocabulary too large for i32 token ids");
}

// One value per row of the logits: t [rows] of `dtype`.
inline void check_per_row(const TensorView& t, const char* name, DType dtype, int64_t rows) {
  check_host_rows(t, name, 1, {dtype});
  check_dim(t, name, 0, rows);
}

}  // namespace hipserve::cpu
