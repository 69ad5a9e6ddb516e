// Validation helpers shared by the CPU entries: each throws hipserve::Error naming the argument.
#pragma once
#include <initializer_list>

#include "hipserve/tensor_view.h"
#include "platform/check.h"

namespace hipserve::cpu {

inline void check_dtype(const TensorView& t, const char* name, std::initializer_list<DType> allowed) {
  for (DType d : allowed)
    if (t.dtype == d) return;
  HS_CHECK(false, dtype_mismatch, name << ": dtype " << dtype_name(t.dtype) << " is not accepted here");
}

inline void check_ndim(const TensorView& t, const char* name, int ndim) {
  HS_CHECK(t.ndim == ndim, shape_mismatch, name << ": expected " << ndim << " dims, got " << t.ndim);
}

inline void check_rows_dense(const TensorView& t, const char* name) {
  HS_CHECK(t.rows_contiguous(), invalid_argument, name << ": innermost dimension must have stride 1");
}

inline void check_cpu(const TensorView& t, const char* name) {
  HS_CHECK(t.device == Device::cpu, unsupported, name << ": the CPU kernels need host memory");
}

inline void check_dim(const TensorView& t, const char* name, int dim, int64_t expected) {
  HS_CHECK(t.size(dim) == expected, shape_mismatch,
           name << ": dim " << dim << " is " << t.size(dim) << ", expected " << expected);
}

// A host tensor of `ndim` dims and one of `allowed` dtypes whose innermost dimension is dense.
inline void check_host_rows(const TensorView& t, const char* name, int ndim, std::initializer_list<DType> allowed) {
  check_cpu(t, name);
  check_dtype(t, name, allowed);
  check_ndim(t, name, ndim);
  check_rows_dense(t, name);
}

inline void check_nonempty(const TensorView& t, const char* name) {
  for (int i = 0; i < t.ndim; ++i)
    HS_CHECK(t.shape[i] > 0, empty_batch, name << ": dim " << i << " is 0, nothing to compute");
}

}  // namespace hipserve::cpu
