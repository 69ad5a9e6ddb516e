#include "gpu/device_tensor.h"

#include <string>

#include "gpu/device_buffer.h"

namespace hipserve::bind {
namespace {

TensorView to_device_view(Args& args, Napi::Value value, const std::string& name) {
  Napi::Env env = args.env();
  if (!value.IsObject()) throw_coded(env, "HS_INVALID_ARGUMENT", name + ": expected a device tensor object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value data = obj.Get("data");
  DeviceBuffer* buffer = DeviceBuffer::unwrap(data);
  if (buffer == nullptr) throw_coded(env, "HS_INVALID_ARGUMENT", name + ".data: expected a DeviceBuffer");
  if (buffer->data() == nullptr) throw_coded(env, "HS_INVALID_ARGUMENT", name + ".data: the buffer was freed");
  TensorView v = tensor_layout(env, obj, name);
  v.device = Device::gpu;
  v.device_index = buffer->device();
  Napi::Value offset_value = obj.Get("byteOffset");
  const int64_t offset = offset_value.IsUndefined() ? 0 : extent(env, offset_value, name + ".byteOffset");
  if (offset % static_cast<int64_t>(dtype_size(v.dtype)) != 0)
    throw_coded(env, "HS_INVALID_ARGUMENT", name + ".byteOffset: not aligned to its dtype");
  if (static_cast<long double>(offset) + reach_bytes(v) > static_cast<long double>(buffer->byte_length()))
    throw_coded(env, "HS_OUT_OF_BOUNDS", name + ": shape, strides and byteOffset reach past the end of its buffer (" +
                                             std::to_string(buffer->byte_length()) + " bytes)");
  v.data = static_cast<uint8_t*>(buffer->data()) + offset;
  args.buffers().push_back(data);
  return v;
}

}  // namespace

TensorView device_tensor(Args& args, size_t i, const char* name) { return to_device_view(args, args.value(i), name); }

std::optional<TensorView> optional_device_tensor(Args& args, size_t i, const char* name) {
  Napi::Value v = args.value(i);
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  return to_device_view(args, v, name);
}

std::optional<TensorView> device_tensor_field(Args& args, size_t i, const char* field) {
  Napi::Value f = args.raw_field(i, field);
  if (f.IsUndefined()) return std::nullopt;
  return to_device_view(args, f, std::string("options.") + field);
}

}  // namespace hipserve::bind
