// DeviceBuffer: device memory JS can hold (from the caching allocator), fill from and copy back to typed arrays.
// It is the `data` of a device tensor argument (see device_tensor.h). Every copy is ordered on the device's
// default stream with the ops: upload and download wait for it (the typed array is free to change or to read on
// return), fill and copyFrom only enqueue.
#pragma once
#include <napi.h>

#include "runtime/device_allocator.h"

namespace hipserve::bind {

// A device index argument (an integer in [0, kMaxDevices)), else an HS_INVALID_ARGUMENT error.
int device_index(Napi::Env env, Napi::Value value);

class DeviceBuffer : public Napi::ObjectWrap<DeviceBuffer> {
 public:
  static Napi::Function define(Napi::Env env);
  // The DeviceBuffer behind value, or nullptr when value is not one.
  static DeviceBuffer* unwrap(Napi::Value value);

  explicit DeviceBuffer(const Napi::CallbackInfo& info);  // new DeviceBuffer(byteLength, device = 0)

  void* data() const { return allocation_.data(); }
  size_t byte_length() const { return allocation_.size(); }
  int device() const { return device_; }

 private:
  Napi::Value upload(const Napi::CallbackInfo& info);    // upload(src, byteOffset = 0)
  Napi::Value download(const Napi::CallbackInfo& info);  // download(dst, byteOffset = 0)
  Napi::Value copy(const Napi::CallbackInfo& info, bool upload);  // upload and download
  Napi::Value copy_from(const Napi::CallbackInfo& info); // copyFrom(src, byteLength, dstOffset = 0, srcOffset = 0)
  Napi::Value fill(const Napi::CallbackInfo& info);      // fill(byte): every byte set (to poison outputs)
  Napi::Value free(const Napi::CallbackInfo& info);
  Napi::Value get_byte_length(const Napi::CallbackInfo& info);
  Napi::Value get_device(const Napi::CallbackInfo& info);
  void check_live(Napi::Env env) const;

  gpu::DeviceAllocation allocation_;
  int device_ = 0;
};

}  // namespace hipserve::bind
