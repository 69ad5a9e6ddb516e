// Embedding lookup on the GPU: out[T, H] = table[ids[T]], a gather of rows in the table's own dtype (f32, bf16
// or f16; nothing is converted). An id outside [0, V) writes a zero row and raises kFaultTokenId.
#pragma once
#include <cstdint>

#include "hipserve/tensor_view.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

// row_bytes: bytes per row; table_stride, out_stride: in bytes. unit_bytes (16, 4 or 2) divides row_bytes,
// the strides and both base addresses.
void embedding_launch(const int32_t* ids, int64_t tokens, const void* table, int64_t table_stride, int64_t vocab,
                      int64_t row_bytes, void* out, int64_t out_stride, int unit_bytes, int32_t* fault,
                      hipStream_t stream);

void embedding(const TensorView& ids, const TensorView& table, const TensorView& out, hipStream_t stream);

}  // namespace hipserve::gpu
