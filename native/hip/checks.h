// Validation helpers of the GPU entries: the CPU entries' checks (dtype, rank, dims, dense rows) plus the ones
// that only a device tensor needs.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "cpu/checks.h"
#include "hipserve/tensor_view.h"

namespace hipserve::gpu {

using cpu::check_dim;
using cpu::check_dtype;
using cpu::check_ndim;
using cpu::check_nonempty;
using cpu::check_rows_dense;

inline void check_on_gpu(const TensorView& t, const char* name, int device) {
  HS_CHECK(t.device == Device::gpu, unsupported, name << ": the GPU kernels need device memory");
  HS_CHECK(t.device_index == device, invalid_argument,
           name << ": on device " << t.device_index << ", the other tensors are on device " << device);
  HS_CHECK(t.data != nullptr, invalid_argument, name << ": no data");
}

// A device tensor of `ndim` dims and one of `allowed` dtypes, on `device`, whose innermost dimension is dense.
inline void check_device_rows(const TensorView& t, const char* name, int device, int ndim,
                              std::initializer_list<DType> allowed) {
  check_on_gpu(t, name, device);
  check_dtype(t, name, allowed);
  check_ndim(t, name, ndim);
  check_rows_dense(t, name);
}

inline void check_same_dtype(const TensorView& t, const char* name, DType dtype) {
  HS_CHECK(t.dtype == dtype, dtype_mismatch,
           name << ": dtype " << dtype_name(t.dtype) << ", expected " << dtype_name(dtype) << " like the input");
}

// True when every row start of t (ptr + r * stride(0)) is aligned to `bytes`.
inline bool rows_aligned(const TensorView& t, int64_t bytes) {
  const int64_t elem = static_cast<int64_t>(dtype_size(t.dtype));
  if (reinterpret_cast<uintptr_t>(t.data) % bytes != 0) return false;
  for (int d = 0; d + 1 < t.ndim; ++d)
    if (t.strides[d] * elem % bytes != 0) return false;
  return true;
}

}  // namespace hipserve::gpu
