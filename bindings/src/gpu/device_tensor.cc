#include "gpu/device_tensor.h"

#include <cmath>
#include <string>

#include "gpu/device_buffer.h"

namespace hipserve::bind {
namespace {

constexpr int64_t kMaxExtent = int64_t{1} << 40;

std::optional<DType> parse_dtype(const std::string& s) {
  for (int d = static_cast<int>(DType::f32); d <= static_cast<int>(DType::fp8_e5m2); ++d)
    if (s == dtype_name(static_cast<DType>(d))) return static_cast<DType>(d);
  return std::nullopt;
}

int64_t extent(Napi::Env env, Napi::Value v, const std::string& what) {
  double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(x >= 0 && x <= kMaxExtent && std::floor(x) == x))
    throw_coded(env, "HS_INVALID_ARGUMENT", what + ": expected integers in [0, 2^40]");
  return static_cast<int64_t>(x);
}

TensorView to_device_view(Args& args, Napi::Value value, const std::string& name) {
  Napi::Env env = args.env();
  if (!value.IsObject()) throw_coded(env, "HS_INVALID_ARGUMENT", name + ": expected a device tensor object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value data = obj.Get("data");
  DeviceBuffer* buffer = DeviceBuffer::unwrap(data);
  if (buffer == nullptr) throw_coded(env, "HS_INVALID_ARGUMENT", name + ".data: expected a DeviceBuffer");
  if (buffer->data() == nullptr) throw_coded(env, "HS_INVALID_ARGUMENT", name + ".data: the buffer was freed");
  Napi::Value dtype_value = obj.Get("dtype");
  auto dtype = dtype_value.IsString() ? parse_dtype(dtype_value.As<Napi::String>().Utf8Value()) : std::nullopt;
  if (!dtype) throw_coded(env, "HS_DTYPE_MISMATCH", name + ".dtype: unknown dtype");
  Napi::Value shape_value = obj.Get("shape");
  if (!shape_value.IsArray() || shape_value.As<Napi::Array>().Length() > kMaxDims)
    throw_coded(env, "HS_INVALID_ARGUMENT", name + ".shape: expected an array of at most 6 dimensions");
  Napi::Array shape = shape_value.As<Napi::Array>();
  TensorView v;
  v.dtype = *dtype;
  v.ndim = static_cast<int32_t>(shape.Length());
  v.device = Device::gpu;
  v.device_index = buffer->device();
  bool empty = false;
  for (int i = 0; i < v.ndim; ++i) {
    v.shape[i] = extent(env, shape.Get(static_cast<uint32_t>(i)), name + ".shape");
    empty = empty || v.shape[i] == 0;
  }
  Napi::Value strides_value = obj.Get("strides");
  if (strides_value.IsUndefined() || strides_value.IsNull()) {
    int64_t s = 1;
    for (int i = v.ndim - 1; i >= 0; --i) {
      v.strides[i] = s;
      s = std::min<int64_t>(s * std::max<int64_t>(v.shape[i], 1), kMaxExtent * 2);
    }
  } else {
    if (!strides_value.IsArray() || strides_value.As<Napi::Array>().Length() != shape.Length())
      throw_coded(env, "HS_INVALID_ARGUMENT", name + ".strides: expected one stride per dimension");
    Napi::Array strides = strides_value.As<Napi::Array>();
    for (int i = 0; i < v.ndim; ++i) v.strides[i] = extent(env, strides.Get(static_cast<uint32_t>(i)), name + ".strides");
  }
  Napi::Value offset_value = obj.Get("byteOffset");
  const int64_t offset = offset_value.IsUndefined() ? 0 : extent(env, offset_value, name + ".byteOffset");
  const size_t elem = dtype_size(v.dtype);
  if (offset % static_cast<int64_t>(elem) != 0)
    throw_coded(env, "HS_INVALID_ARGUMENT", name + ".byteOffset: not aligned to its dtype");
  // The furthest byte reachable, in long double so no product can overflow.
  long double last = static_cast<long double>(offset);
  if (!empty) {
    for (int i = 0; i < v.ndim; ++i) last += static_cast<long double>(v.shape[i] - 1) * v.strides[i] * elem;
    last += elem;
  }
  if (last > static_cast<long double>(buffer->byte_length()))
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
  Napi::Value v = args.value(i);
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  if (!v.IsObject()) throw_coded(args.env(), "HS_INVALID_ARGUMENT", "options: expected an object");
  Napi::Value f = v.As<Napi::Object>().Get(field);
  if (f.IsUndefined() || f.IsNull()) return std::nullopt;
  return to_device_view(args, f, std::string("options.") + field);
}

}  // namespace hipserve::bind
