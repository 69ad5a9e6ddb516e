#include "gpu/device_buffer.h"

#include <string>

#include "args.h"
#include "coded_call.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/stream.h"

namespace hipserve::bind {
namespace {

// Marks DeviceBuffer objects, so a tensor argument can be checked before it is unwrapped (an instanceof check
// would need a constructor per environment, and the engine runs in worker threads).
constexpr napi_type_tag kDeviceBufferTag = {0x6869707365727665ULL, 0x6465766275660001ULL};

HostBytes host_arg(const Napi::CallbackInfo& info, const char* name) {
  std::optional<HostBytes> bytes = host_bytes(info.Length() > 0 ? info[0] : info.Env().Undefined());
  if (!bytes) throw_coded(info.Env(), "HS_INVALID_ARGUMENT", std::string(name) + ": expected an ArrayBuffer or typed array");
  return *bytes;
}

size_t byte_offset(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  double x = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  if (!(x >= 0 && x <= 9007199254740991.0 && static_cast<double>(static_cast<size_t>(x)) == x))
    throw_coded(info.Env(), "HS_INVALID_ARGUMENT", "byteOffset: expected a non-negative integer");
  return static_cast<size_t>(x);
}

}  // namespace

int device_index(Napi::Env env, Napi::Value value) {
  double d = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d < gpu::kMaxDevices && static_cast<double>(static_cast<int>(d)) == d))
    throw_coded(env, "HS_INVALID_ARGUMENT", "device: expected a device index");
  return static_cast<int>(d);
}

Napi::Function DeviceBuffer::define(Napi::Env env) {
  return DefineClass(env, "DeviceBuffer",
                     {InstanceMethod<&DeviceBuffer::upload>("upload"),
                      InstanceMethod<&DeviceBuffer::download>("download"),
                      InstanceMethod<&DeviceBuffer::fill>("fill"),
                      InstanceMethod<&DeviceBuffer::free>("free"),
                      InstanceAccessor<&DeviceBuffer::get_byte_length>("byteLength"),
                      InstanceAccessor<&DeviceBuffer::get_device>("device")});
}

DeviceBuffer* DeviceBuffer::unwrap(Napi::Value value) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kDeviceBufferTag)) return nullptr;
  return Napi::ObjectWrap<DeviceBuffer>::Unwrap(value.As<Napi::Object>());
}

DeviceBuffer::DeviceBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceBuffer>(info) {
  Napi::Env env = info.Env();
  double bytes = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(bytes > 0 && bytes <= 9007199254740991.0 && static_cast<double>(static_cast<size_t>(bytes)) == bytes))
    throw_coded(env, "HS_INVALID_ARGUMENT", "byteLength: expected a positive integer");
  device_ = info.Length() > 1 && !info[1].IsUndefined() ? device_index(env, info[1]) : 0;
  coded_call(env, [&] {
    gpu::check_device(device_);
    allocation_ = gpu::DeviceAllocation(static_cast<size_t>(bytes), device_, gpu::default_stream(device_).handle());
  });
  info.This().As<Napi::Object>().TypeTag(&kDeviceBufferTag);
}

void DeviceBuffer::check_live(Napi::Env env) const {
  if (allocation_.data() == nullptr) throw_coded(env, "HS_INVALID_ARGUMENT", "DeviceBuffer: already freed");
}

Napi::Value DeviceBuffer::upload(const Napi::CallbackInfo& info) { return copy(info, true); }

Napi::Value DeviceBuffer::download(const Napi::CallbackInfo& info) { return copy(info, false); }

Napi::Value DeviceBuffer::copy(const Napi::CallbackInfo& info, bool upload) {
  Napi::Env env = info.Env();
  check_live(env);
  HostBytes host = host_arg(info, upload ? "src" : "dst");
  size_t offset = byte_offset(info, 1);
  if (offset > byte_length() || host.size > byte_length() - offset)
    throw_coded(env, "HS_OUT_OF_BOUNDS", std::string(upload ? "upload: " : "download: ") + std::to_string(host.size) +
                                             " bytes at offset " + std::to_string(offset) + " overrun the buffer's " +
                                             std::to_string(byte_length()));
  uint8_t* device = static_cast<uint8_t*>(data()) + offset;
  coded_call(env, [&] {
    gpu::DeviceGuard guard(device_);
    const gpu::Stream& stream = gpu::default_stream(device_);
    if (upload)
      HS_GPU_CHECK(hipMemcpyAsync(device, host.data, host.size, hipMemcpyHostToDevice, stream.handle()));
    else
      HS_GPU_CHECK(hipMemcpyAsync(host.data, device, host.size, hipMemcpyDeviceToHost, stream.handle()));
    stream.synchronize();  // the typed array may change (or be read) as soon as this returns
  });
  return env.Undefined();
}

Napi::Value DeviceBuffer::fill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_live(env);
  double byte = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(byte >= 0 && byte <= 255 && static_cast<double>(static_cast<int>(byte)) == byte))
    throw_coded(env, "HS_INVALID_ARGUMENT", "fill: expected a byte value 0..255");
  coded_call(env, [&] {
    gpu::DeviceGuard guard(device_);
    const gpu::Stream& stream = gpu::default_stream(device_);
    HS_GPU_CHECK(hipMemsetAsync(data(), static_cast<int>(byte), byte_length(), stream.handle()));
    stream.synchronize();
  });
  return env.Undefined();
}

Napi::Value DeviceBuffer::free(const Napi::CallbackInfo& info) {
  allocation_.reset();
  return info.Env().Undefined();
}

Napi::Value DeviceBuffer::get_byte_length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(byte_length()));
}

Napi::Value DeviceBuffer::get_device(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), device_); }

}  // namespace hipserve::bind
