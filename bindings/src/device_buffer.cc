// Built only with a GPU backend (HS_GPU); see gpu/device_buffer.h.
#ifdef HS_GPU
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

struct HostBytes {
  uint8_t* data;
  size_t size;
};

HostBytes host_bytes(Napi::Env env, Napi::Value value, const char* name) {
  if (value.IsArrayBuffer()) {
    auto ab = value.As<Napi::ArrayBuffer>();
    return {static_cast<uint8_t*>(ab.Data()), ab.ByteLength()};
  }
  if (value.IsTypedArray()) {
    auto ta = value.As<Napi::TypedArray>();
    return {static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength()};
  }
  if (value.IsDataView()) {
    auto dv = value.As<Napi::DataView>();
    return {static_cast<uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset(), dv.ByteLength()};
  }
  throw_coded(env, "HS_INVALID_ARGUMENT", std::string(name) + ": expected an ArrayBuffer or typed array");
}

size_t byte_offset(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  double x = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  if (!(x >= 0 && x <= 9007199254740991.0 && static_cast<double>(static_cast<size_t>(x)) == x))
    throw_coded(info.Env(), "HS_INVALID_ARGUMENT", "byteOffset: expected a non-negative integer");
  return static_cast<size_t>(x);
}

}  // namespace

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
  double device = info.Length() > 1 && !info[1].IsUndefined()
                      ? (info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1)
                      : 0;
  if (!(device >= 0 && device < gpu::kMaxDevices && static_cast<double>(static_cast<int>(device)) == device))
    throw_coded(env, "HS_INVALID_ARGUMENT", "device: expected a device index");
  device_ = static_cast<int>(device);
  coded_call(env, [&] {
    gpu::check_device(device_);
    allocation_ = gpu::DeviceAllocation(static_cast<size_t>(bytes), device_, gpu::default_stream(device_).handle());
  });
  info.This().As<Napi::Object>().TypeTag(&kDeviceBufferTag);
}

void DeviceBuffer::check_live(Napi::Env env) const {
  if (allocation_.data() == nullptr) throw_coded(env, "HS_INVALID_ARGUMENT", "DeviceBuffer: already freed");
}

Napi::Value DeviceBuffer::upload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_live(env);
  HostBytes src = host_bytes(env, info.Length() > 0 ? info[0] : env.Undefined(), "src");
  size_t offset = byte_offset(info, 1);
  if (offset > byte_length() || src.size > byte_length() - offset)
    throw_coded(env, "HS_OUT_OF_BOUNDS", "upload: " + std::to_string(src.size) + " bytes at offset " +
                                             std::to_string(offset) + " overrun the buffer's " +
                                             std::to_string(byte_length()));
  coded_call(env, [&] {
    gpu::DeviceGuard guard(device_);
    const gpu::Stream& stream = gpu::default_stream(device_);
    HS_GPU_CHECK(hipMemcpyAsync(static_cast<uint8_t*>(data()) + offset, src.data, src.size, hipMemcpyHostToDevice,
                                stream.handle()));
    stream.synchronize();  // the typed array may change as soon as this returns
  });
  return env.Undefined();
}

Napi::Value DeviceBuffer::download(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_live(env);
  HostBytes dst = host_bytes(env, info.Length() > 0 ? info[0] : env.Undefined(), "dst");
  size_t offset = byte_offset(info, 1);
  if (offset > byte_length() || dst.size > byte_length() - offset)
    throw_coded(env, "HS_OUT_OF_BOUNDS", "download: " + std::to_string(dst.size) + " bytes at offset " +
                                             std::to_string(offset) + " overrun the buffer's " +
                                             std::to_string(byte_length()));
  coded_call(env, [&] {
    gpu::DeviceGuard guard(device_);
    const gpu::Stream& stream = gpu::default_stream(device_);
    HS_GPU_CHECK(hipMemcpyAsync(dst.data, static_cast<uint8_t*>(data()) + offset, dst.size, hipMemcpyDeviceToHost,
                                stream.handle()));
    stream.synchronize();
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
#endif  // HS_GPU
