#include "hipserve/tensor_view.h"

#include "hipserve/status.h"

namespace hipserve {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32: case DType::i32: return 4;
    case DType::f16: case DType::bf16: return 2;
    case DType::i64: return 8;
    case DType::u8: case DType::i8: case DType::fp8_e4m3: case DType::fp8_e5m2: return 1;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::u8: return "u8";
    case DType::i8: return "i8";
    case DType::fp8_e4m3: return "fp8_e4m3";
    case DType::fp8_e5m2: return "fp8_e5m2";
  }
  return "unknown";
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "HS_INVALID_ARGUMENT";
    case ErrorCode::shape_mismatch: return "HS_SHAPE_MISMATCH";
    case ErrorCode::dtype_mismatch: return "HS_DTYPE_MISMATCH";
    case ErrorCode::out_of_bounds: return "HS_OUT_OF_BOUNDS";
    case ErrorCode::empty_batch: return "HS_EMPTY_BATCH";
    case ErrorCode::unsupported: return "HS_UNSUPPORTED";
    case ErrorCode::device_error: return "HS_DEVICE_ERROR";
    case ErrorCode::io_error: return "HS_IO_ERROR";
  }
  return "HS_ERROR";
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int i = 0; i < ndim; ++i) n *= shape[i];
  return n;
}

bool TensorView::is_contiguous() const {
  int64_t expected = 1;
  for (int i = ndim - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

TensorView make_view(void* data, DType dtype, int32_t ndim, const int64_t* shape, Device device) {
  TensorView v;
  v.data = data;
  v.dtype = dtype;
  v.ndim = ndim;
  v.device = device;
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; --i) {
    v.shape[i] = shape[i];
    v.strides[i] = s;
    s *= shape[i];
  }
  return v;
}

}  // namespace hipserve
