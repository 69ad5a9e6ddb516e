#include <algorithm>
#include <cstring>

#include "checks.h"
#include "cpu_isa.h"
#include "half_to_float.h"
#include "hipserve/ops.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

void embedding_row_f32(const void* row, int64_t hidden, float* out) {
  std::memcpy(out, row, static_cast<size_t>(hidden) * sizeof(float));
}

HS_MULTIVERSION
void embedding_row_f16(const void* row, int64_t hidden, float* out) {
  const uint16_t* h = static_cast<const uint16_t*>(row);
  for (int64_t i = 0; i < hidden; ++i) out[i] = f16_to_f32(h[i]);
}

HS_MULTIVERSION
void embedding_row_bf16(const void* row, int64_t hidden, float* out) {
  const uint16_t* h = static_cast<const uint16_t*>(row);
  for (int64_t i = 0; i < hidden; ++i) out[i] = bf16_to_f32(h[i]);
}

using RowFn = void (*)(const void*, int64_t, float*);

RowFn embedding_row_fn(DType dtype) {
  switch (dtype) {
    case DType::f16: return embedding_row_f16;
    case DType::bf16: return embedding_row_bf16;
    default: return embedding_row_f32;
  }
}

// table_stride in bytes, so one launcher serves every table dtype.
void embedding_launch(const int32_t* ids, int64_t tokens, const uint8_t* table, int64_t table_stride,
                      DType dtype, int64_t hidden, float* out, int64_t out_stride) {
  RowFn row = embedding_row_fn(dtype);
  parallel_for(tokens, std::max<int64_t>(1, 16384 / hidden), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) row(table + ids[t] * table_stride, hidden, out + t * out_stride);
  });
}

}  // namespace
}  // namespace cpu

void embedding(const TensorView& ids, const TensorView& table, const TensorView& out) {
  cpu::check_host_rows(ids, "ids", 1, {DType::i32});
  cpu::check_host_rows(table, "table", 2, {DType::f32, DType::f16, DType::bf16});
  cpu::check_host_rows(out, "out", 2, {DType::f32});
  cpu::check_nonempty(out, "out");
  cpu::check_dim(ids, "ids", 0, out.size(0));
  cpu::check_dim(table, "table", 1, out.size(1));
  const int32_t* id = ids.ptr<int32_t>();
  const int64_t vocab = table.size(0);
  for (int64_t t = 0; t < ids.size(0); ++t)
    HS_CHECK(id[t] >= 0 && id[t] < vocab, out_of_bounds,
             "ids[" << t << "] = " << id[t] << " is outside the table's " << vocab << " rows");
  cpu::embedding_launch(id, ids.size(0), table.ptr<uint8_t>(), table.stride(0) * int64_t(dtype_size(table.dtype)),
                        table.dtype, table.size(1), out.ptr<float>(), out.stride(0));
}

}  // namespace hipserve
