#include "args.h"

#include <cmath>
#include <cstring>

namespace hipserve::bind {
namespace {

constexpr int64_t kMaxExtent = int64_t{1} << 40;

std::optional<DType> parse_dtype(const std::string& s) {
  for (int d = static_cast<int>(DType::f32); d <= static_cast<int>(DType::fp8_e5m2); ++d)
    if (s == dtype_name(static_cast<DType>(d))) return static_cast<DType>(d);
  return std::nullopt;
}

}  // namespace

void throw_coded(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error err = Napi::TypeError::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

int64_t extent(Napi::Env env, Napi::Value v, const std::string& what) {
  double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(x >= 0 && x <= kMaxExtent && std::floor(x) == x))
    throw_coded(env, "HS_INVALID_ARGUMENT", what + ": expected integers in [0, 2^40]");
  return static_cast<int64_t>(x);
}

std::optional<HostBytes> host_bytes(Napi::Value value) {
  if (value.IsArrayBuffer()) {
    auto ab = value.As<Napi::ArrayBuffer>();
    return HostBytes{static_cast<uint8_t*>(ab.Data()), ab.ByteLength()};
  }
  if (value.IsTypedArray()) {
    auto ta = value.As<Napi::TypedArray>();
    return HostBytes{static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength()};
  }
  if (value.IsDataView()) {
    auto dv = value.As<Napi::DataView>();
    return HostBytes{static_cast<uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset(), dv.ByteLength()};
  }
  return std::nullopt;
}

TensorView tensor_layout(Napi::Env env, Napi::Object obj, const std::string& name) {
  Napi::Value dtype_value = obj.Get("dtype");
  if (!dtype_value.IsString()) throw_coded(env, "HS_INVALID_ARGUMENT", name + ".dtype: expected a string");
  auto dtype = parse_dtype(dtype_value.As<Napi::String>().Utf8Value());
  if (!dtype) throw_coded(env, "HS_DTYPE_MISMATCH", name + ".dtype: unknown dtype");
  Napi::Value shape_value = obj.Get("shape");
  if (!shape_value.IsArray() || shape_value.As<Napi::Array>().Length() > kMaxDims)
    throw_coded(env, "HS_INVALID_ARGUMENT", name + ".shape: expected an array of at most 6 dimensions");
  Napi::Array shape = shape_value.As<Napi::Array>();
  TensorView v;
  v.dtype = *dtype;
  v.ndim = static_cast<int32_t>(shape.Length());
  for (int i = 0; i < v.ndim; ++i) v.shape[i] = extent(env, shape.Get(static_cast<uint32_t>(i)), name + ".shape");
  Napi::Value strides_value = obj.Get("strides");
  if (strides_value.IsUndefined() || strides_value.IsNull()) {
    int64_t s = 1;
    for (int i = v.ndim - 1; i >= 0; --i) {
      v.strides[i] = s;
      s = std::min<int64_t>(s * std::max<int64_t>(v.shape[i], 1), kMaxExtent * 2);
    }
    return v;
  }
  if (!strides_value.IsArray() || strides_value.As<Napi::Array>().Length() != shape.Length())
    throw_coded(env, "HS_INVALID_ARGUMENT", name + ".strides: expected one stride per dimension");
  Napi::Array strides = strides_value.As<Napi::Array>();
  for (int i = 0; i < v.ndim; ++i) v.strides[i] = extent(env, strides.Get(static_cast<uint32_t>(i)), name + ".strides");
  return v;
}

long double reach_bytes(const TensorView& v) {
  long double last = 0;
  for (int i = 0; i < v.ndim; ++i) {
    if (v.shape[i] == 0) return 0;
    last += static_cast<long double>(v.shape[i] - 1) * v.strides[i];
  }
  return (last + 1) * static_cast<long double>(dtype_size(v.dtype));
}

TensorView Args::to_view(Napi::Value value, const std::string& name) {
  Napi::Env e = env();
  if (!value.IsObject()) throw_coded(e, "HS_INVALID_ARGUMENT", name + ": expected a tensor object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value data = obj.Get("data");
  std::optional<HostBytes> bytes = host_bytes(data);
  if (!bytes) throw_coded(e, "HS_INVALID_ARGUMENT", name + ".data: expected an ArrayBuffer or typed array");
  TensorView v = tensor_layout(e, obj, name);
  if (reach_bytes(v) > static_cast<long double>(bytes->size))
    throw_coded(e, "HS_OUT_OF_BOUNDS",
                name + ": shape and strides reach past the end of its data (" + std::to_string(bytes->size) +
                    " bytes)");
  if (reinterpret_cast<uintptr_t>(bytes->data) % dtype_size(v.dtype) != 0)
    throw_coded(e, "HS_INVALID_ARGUMENT", name + ".data: byte offset is not aligned to its dtype");
  v.data = bytes->data;
  v.device = Device::cpu;
  buffers_.push_back(data);
  return v;
}

TensorView Args::tensor(size_t i, const char* name) { return to_view(at(i), name); }

TensorView Args::index_tensor(size_t i, const char* name) {
  TensorView v = to_view(at(i), name);
  if (!snapshot_inputs_ || v.numel() == 0) return v;
  size_t bytes = static_cast<size_t>(reach_bytes(v));
  auto copy = std::make_shared<std::vector<uint8_t>>(static_cast<uint8_t*>(v.data), static_cast<uint8_t*>(v.data) + bytes);
  v.data = copy->data();
  snapshots_.push_back(std::move(copy));
  return v;
}

std::optional<TensorView> Args::optional_tensor(size_t i, const char* name) {
  Napi::Value v = at(i);
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  return to_view(v, name);
}

double Args::number(size_t i, const char* name) {
  Napi::Value v = at(i);
  if (!v.IsNumber()) throw_coded(env(), "HS_INVALID_ARGUMENT", std::string(name) + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t Args::integer(size_t i, const char* name) {
  double x = number(i, name);
  if (!(std::floor(x) == x && std::fabs(x) <= 9007199254740991.0))
    throw_coded(env(), "HS_INVALID_ARGUMENT", std::string(name) + ": expected an integer");
  return static_cast<int64_t>(x);
}

bool Args::boolean(size_t i, const char* name) {
  Napi::Value v = at(i);
  if (!v.IsBoolean()) throw_coded(env(), "HS_INVALID_ARGUMENT", std::string(name) + ": expected a boolean");
  return v.As<Napi::Boolean>().Value();
}

Napi::Value Args::raw_field(size_t i, const char* field) {
  Napi::Value v = at(i);
  if (v.IsUndefined() || v.IsNull()) return env().Undefined();
  if (!v.IsObject()) throw_coded(env(), "HS_INVALID_ARGUMENT", "options: expected an object");
  Napi::Value f = v.As<Napi::Object>().Get(field);
  return f.IsNull() ? env().Undefined() : f;
}

double Args::number_field(size_t i, const char* field, double fallback) {
  Napi::Value f = raw_field(i, field);
  if (f.IsUndefined()) return fallback;
  if (!f.IsNumber()) throw_coded(env(), "HS_INVALID_ARGUMENT", std::string("options.") + field + ": expected a number");
  return f.As<Napi::Number>().DoubleValue();
}

std::optional<TensorView> Args::tensor_field(size_t i, const char* field) {
  Napi::Value f = raw_field(i, field);
  if (f.IsUndefined()) return std::nullopt;
  return to_view(f, std::string("options.") + field);
}

}  // namespace hipserve::bind
