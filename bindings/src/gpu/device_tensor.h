// Reading device tensor arguments from JS:
//   { data: DeviceBuffer, dtype: "bf16" | ..., shape: number[], strides?: number[], byteOffset?: number }
// checked like host tensors: every element the shape and strides reach lies inside the buffer, and the start is
// aligned to the dtype. The buffer is kept alive for an asynchronous call.
#pragma once
#include <napi.h>

#include <optional>

#include "args.h"
#include "hipserve/tensor_view.h"

namespace hipserve::bind {

TensorView device_tensor(Args& args, size_t i, const char* name);
std::optional<TensorView> optional_device_tensor(Args& args, size_t i, const char* name);
// A device tensor in field `field` of the options object at position i (absent or undefined: nullopt).
std::optional<TensorView> device_tensor_field(Args& args, size_t i, const char* field);

}  // namespace hipserve::bind
