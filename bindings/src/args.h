// Reading kernel arguments from JS. A tensor argument is an object
//   { data: ArrayBuffer | TypedArray, dtype: "f32" | "f16" | ..., shape: number[], strides?: number[] }
// and is checked so that every element the shape and strides can reach lies inside `data`.
#pragma once
#include <napi.h>

#include <optional>
#include <string>
#include <vector>

#include "hipserve/tensor_view.h"

namespace hipserve::bind {

class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}

  Napi::Env env() const { return info_.Env(); }
  size_t length() const { return info_.Length(); }
  TensorView tensor(size_t i, const char* name);
  std::optional<TensorView> optional_tensor(size_t i, const char* name);
  double number(size_t i, const char* name);
  float f32(size_t i, const char* name) { return static_cast<float>(number(i, name)); }
  int64_t integer(size_t i, const char* name);
  bool boolean(size_t i, const char* name);
  // Fields of an options object at position i (absent or undefined fields give the default).
  double number_field(size_t i, const char* field, double fallback);
  std::optional<TensorView> tensor_field(size_t i, const char* field);

  // Buffers to keep alive while an asynchronous call runs.
  std::vector<Napi::Value>& buffers() { return buffers_; }

 private:
  Napi::Value at(size_t i) const { return i < info_.Length() ? info_[i] : info_.Env().Undefined(); }
  TensorView to_view(Napi::Value value, const std::string& name);

  const Napi::CallbackInfo& info_;
  std::vector<Napi::Value> buffers_;
};

// Throws a JS error carrying `code` (HS_INVALID_ARGUMENT and friends).
[[noreturn]] void throw_coded(Napi::Env env, const char* code, const std::string& message);

}  // namespace hipserve::bind
