// A non-owning view of a tensor: pointer, dtype, shape, strides (in elements), device.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hipserve {

enum class DType : int32_t {
  f32 = 0,
  f16 = 1,
  bf16 = 2,
  i32 = 3,
  i64 = 4,
  u8 = 5,
  i8 = 6,
  fp8_e4m3 = 7,
  fp8_e5m2 = 8,
};

enum class Device : int32_t { cpu = 0, gpu = 1 };

constexpr int kMaxDims = 6;

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

struct TensorView {
  void* data = nullptr;
  DType dtype = DType::f32;
  int32_t ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};
  Device device = Device::cpu;
  int32_t device_index = 0;

  int64_t numel() const;
  int64_t size(int dim) const { return shape[dim < 0 ? dim + ndim : dim]; }
  int64_t stride(int dim) const { return strides[dim < 0 ? dim + ndim : dim]; }
  bool is_contiguous() const;
  // True when the innermost dimension is dense (stride 1), which is all most kernels need.
  bool rows_contiguous() const { return ndim == 0 || strides[ndim - 1] == 1; }
  template <typename T>
  T* ptr() const { return static_cast<T*>(data); }
};

// Fills contiguous (row-major) strides for the given shape.
TensorView make_view(void* data, DType dtype, int32_t ndim, const int64_t* shape,
                     Device device = Device::cpu);

}  // namespace hipserve
