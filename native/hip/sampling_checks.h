// Argument checks shared by the GPU sampling entries. Values held in device memory (top-k, uniforms, token ids)
// cannot be checked without a copy back: the kernels tolerate any value, and token ids out of range are
// skipped and reported through the kernel fault word.
#pragma once
#include <cstdint>

#include "hip/checks.h"

namespace hipserve::gpu {

// logits [B, V] f32 on a GPU, B, V > 0, every column index an i32 token id.
inline void check_device_logits(const TensorView& logits, const char* name = "logits") {
  check_device_rows(logits, name, logits.device_index, 2, {DType::f32});
  HS_CHECK(logits.size(0) > 0 && logits.size(1) > 0, empty_batch,
           name << ": [" << logits.size(0) << ", " << logits.size(1) << "] is empty");
  HS_CHECK(logits.size(0) <= INT32_MAX && logits.size(1) <= INT32_MAX, invalid_argument,
           name << ": at most 2^31 - 1 rows of 2^31 - 1 logits");
}

// t [rows] of `dtype`, on the device of `like`.
inline void check_device_per_row(const TensorView& t, const char* name, DType dtype, int64_t rows,
                                 const TensorView& like) {
  check_device_rows(t, name, like.device_index, 1, {dtype});
  check_dim(t, name, 0, rows);
}

}  // namespace hipserve::gpu
