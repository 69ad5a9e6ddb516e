// Reading kernel arguments from JS. A tensor argument is an object
//   { data: ArrayBuffer | TypedArray, dtype: "f32" | "f16" | ..., shape: number[], strides?: number[] }
// and is checked so that every element the shape and strides can reach lies inside `data`.
#pragma once
#include <napi.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hipserve/tensor_view.h"

namespace hipserve::bind {

class Args {
 public:
  // snapshot_inputs: the call runs later on another thread, so read-only index inputs are copied now.
  Args(const Napi::CallbackInfo& info, bool snapshot_inputs) : info_(info), snapshot_inputs_(snapshot_inputs) {}

  Napi::Env env() const { return info_.Env(); }
  size_t length() const { return info_.Length(); }
  TensorView tensor(size_t i, const char* name);
  std::optional<TensorView> optional_tensor(size_t i, const char* name);
  // A read-only input whose values the kernel validates and then follows (ids, slots, positions, block tables,
  // per-row parameters). For asynchronous calls it is copied, so JS cannot change it between check and use.
  TensorView index_tensor(size_t i, const char* name);
  double number(size_t i, const char* name);
  float f32(size_t i, const char* name) { return static_cast<float>(number(i, name)); }
  int64_t integer(size_t i, const char* name);
  bool boolean(size_t i, const char* name);
  // Fields of an options object at position i (absent or undefined fields give the default).
  double number_field(size_t i, const char* field, double fallback);
  std::optional<TensorView> tensor_field(size_t i, const char* field);
  // The field's raw value: undefined when the options or the field are absent (null counts as absent).
  Napi::Value raw_field(size_t i, const char* field);
  // The raw argument (undefined past the end), for argument kinds read elsewhere (device tensors).
  Napi::Value value(size_t i) const { return at(i); }

  // Buffers to keep alive while an asynchronous call runs.
  std::vector<Napi::Value>& buffers() { return buffers_; }
  std::vector<std::shared_ptr<std::vector<uint8_t>>>& snapshots() { return snapshots_; }

 private:
  Napi::Value at(size_t i) const { return i < info_.Length() ? info_[i] : info_.Env().Undefined(); }
  TensorView to_view(Napi::Value value, const std::string& name);

  const Napi::CallbackInfo& info_;
  bool snapshot_inputs_;
  std::vector<Napi::Value> buffers_;
  std::vector<std::shared_ptr<std::vector<uint8_t>>> snapshots_;
};

// Throws a JS error carrying `code` (HS_INVALID_ARGUMENT and friends).
[[noreturn]] void throw_coded(Napi::Env env, const char* code, const std::string& message);

// The bytes behind an ArrayBuffer, typed array or DataView; nullopt for any other value.
struct HostBytes {
  uint8_t* data;
  size_t size;
};
std::optional<HostBytes> host_bytes(Napi::Value value);

// An integer in [0, 2^40] (a dimension, stride or byte offset), else an HS_INVALID_ARGUMENT error naming `what`.
int64_t extent(Napi::Env env, Napi::Value value, const std::string& what);

// The checked dtype, shape and strides (dense when absent) of a tensor object; data and device are left unset.
TensorView tensor_layout(Napi::Env env, Napi::Object obj, const std::string& name);

// The bytes from a view's first element to just past the furthest one its shape and strides reach (0 when it is
// empty), in long double so no product can overflow.
long double reach_bytes(const TensorView& v);

}  // namespace hipserve::bind
