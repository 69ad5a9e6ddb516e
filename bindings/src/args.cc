#include "args.h"

#include <cmath>
#include <cstring>

namespace hipserve::bind {
namespace {

constexpr int64_t kMaxExtent = int64_t{1} << 40;

std::optional<DType> parse_dtype(const std::string& s) {
  static const std::pair<const char*, DType> names[] = {
      {"f32", DType::f32},   {"f16", DType::f16},         {"bf16", DType::bf16},
      {"i32", DType::i32},   {"i64", DType::i64},         {"u8", DType::u8},
      {"i8", DType::i8},     {"fp8_e4m3", DType::fp8_e4m3}, {"fp8_e5m2", DType::fp8_e5m2}};
  for (const auto& [name, dtype] : names)
    if (s == name) return dtype;
  return std::nullopt;
}

}  // namespace

void throw_coded(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error err = Napi::TypeError::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

TensorView Args::to_view(Napi::Value value, const std::string& name) {
  Napi::Env e = env();
  if (!value.IsObject()) throw_coded(e, "HS_INVALID_ARGUMENT", name + ": expected a tensor object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value data = obj.Get("data");
  uint8_t* base = nullptr;
  size_t byte_length = 0;
  if (data.IsArrayBuffer()) {
    auto ab = data.As<Napi::ArrayBuffer>();
    base = static_cast<uint8_t*>(ab.Data());
    byte_length = ab.ByteLength();
  } else if (data.IsTypedArray() || data.IsDataView()) {
    if (data.IsTypedArray()) {
      auto ta = data.As<Napi::TypedArray>();
      base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      byte_length = ta.ByteLength();
    } else {
      auto dv = data.As<Napi::DataView>();
      base = static_cast<uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
      byte_length = dv.ByteLength();
    }
  } else {
    throw_coded(e, "HS_INVALID_ARGUMENT", name + ".data: expected an ArrayBuffer or typed array");
  }
  Napi::Value dtype_value = obj.Get("dtype");
  if (!dtype_value.IsString()) throw_coded(e, "HS_INVALID_ARGUMENT", name + ".dtype: expected a string");
  auto dtype = parse_dtype(dtype_value.As<Napi::String>().Utf8Value());
  if (!dtype) throw_coded(e, "HS_DTYPE_MISMATCH", name + ".dtype: unknown dtype");
  Napi::Value shape_value = obj.Get("shape");
  if (!shape_value.IsArray()) throw_coded(e, "HS_INVALID_ARGUMENT", name + ".shape: expected an array");
  Napi::Array shape = shape_value.As<Napi::Array>();
  if (shape.Length() > kMaxDims)
    throw_coded(e, "HS_INVALID_ARGUMENT", name + ".shape: at most 6 dimensions");
  TensorView v;
  v.dtype = *dtype;
  v.ndim = static_cast<int32_t>(shape.Length());
  int64_t numel = 1;
  for (int i = 0; i < v.ndim; ++i) {
    Napi::Value d = shape.Get(static_cast<uint32_t>(i));
    double x = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
    if (!(x >= 0 && x <= kMaxExtent && std::floor(x) == x))
      throw_coded(e, "HS_INVALID_ARGUMENT", name + ".shape: dimensions must be integers in [0, 2^40]");
    v.shape[i] = static_cast<int64_t>(x);
    numel = v.shape[i] == 0 ? 0 : (numel > kMaxExtent ? numel : numel * v.shape[i]);
  }
  Napi::Value strides_value = obj.Get("strides");
  int64_t s = 1;
  for (int i = v.ndim - 1; i >= 0; --i) {
    v.strides[i] = s;
    s = std::min<int64_t>(s * std::max<int64_t>(v.shape[i], 1), kMaxExtent * 2);
  }
  if (!strides_value.IsUndefined() && !strides_value.IsNull()) {
    if (!strides_value.IsArray() || strides_value.As<Napi::Array>().Length() != shape.Length())
      throw_coded(e, "HS_INVALID_ARGUMENT", name + ".strides: expected one stride per dimension");
    Napi::Array strides = strides_value.As<Napi::Array>();
    for (int i = 0; i < v.ndim; ++i) {
      Napi::Value d = strides.Get(static_cast<uint32_t>(i));
      double x = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
      if (!(x >= 0 && x <= kMaxExtent && std::floor(x) == x))
        throw_coded(e, "HS_INVALID_ARGUMENT", name + ".strides: strides must be integers in [0, 2^40]");
      v.strides[i] = static_cast<int64_t>(x);
    }
  }
  if (numel > 0) {
    // The furthest element reachable, computed in long double to rule out overflow.
    long double last = 0;
    for (int i = 0; i < v.ndim; ++i) last += static_cast<long double>(v.shape[i] - 1) * v.strides[i];
    long double needed = (last + 1) * static_cast<long double>(dtype_size(v.dtype));
    if (needed > static_cast<long double>(byte_length))
      throw_coded(e, "HS_OUT_OF_BOUNDS",
                  name + ": shape and strides reach past the end of its data (" + std::to_string(byte_length) +
                      " bytes)");
  }
  if (reinterpret_cast<uintptr_t>(base) % dtype_size(v.dtype) != 0)
    throw_coded(e, "HS_INVALID_ARGUMENT", name + ".data: byte offset is not aligned to its dtype");
  v.data = base;
  v.device = Device::cpu;
  buffers_.push_back(data);
  return v;
}

TensorView Args::tensor(size_t i, const char* name) { return to_view(at(i), name); }

TensorView Args::index_tensor(size_t i, const char* name) {
  TensorView v = to_view(at(i), name);
  if (!snapshot_inputs_ || v.numel() == 0) return v;
  int64_t last = 0;
  for (int d = 0; d < v.ndim; ++d) last += (v.shape[d] - 1) * v.strides[d];
  size_t bytes = static_cast<size_t>(last + 1) * dtype_size(v.dtype);
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

double Args::number_field(size_t i, const char* field, double fallback) {
  Napi::Value v = at(i);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsObject()) throw_coded(env(), "HS_INVALID_ARGUMENT", "options: expected an object");
  Napi::Value f = v.As<Napi::Object>().Get(field);
  if (f.IsUndefined() || f.IsNull()) return fallback;
  if (!f.IsNumber()) throw_coded(env(), "HS_INVALID_ARGUMENT", std::string("options.") + field + ": expected a number");
  return f.As<Napi::Number>().DoubleValue();
}

std::optional<TensorView> Args::tensor_field(size_t i, const char* field) {
  Napi::Value v = at(i);
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  if (!v.IsObject()) throw_coded(env(), "HS_INVALID_ARGUMENT", "options: expected an object");
  Napi::Value f = v.As<Napi::Object>().Get(field);
  if (f.IsUndefined() || f.IsNull()) return std::nullopt;
  return to_view(f, std::string("options.") + field);
}

}  // namespace hipserve::bind
