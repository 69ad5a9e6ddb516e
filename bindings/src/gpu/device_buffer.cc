#include "gpu/device_buffer.h"

#include <string>

#include "args.h"
#include "coded_call.h"
#include "gpu/graph.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/kernel_faults.h"
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

// A non-negative integer argument (0 when absent or undefined).
size_t byte_count(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  double x = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  if (!(x >= 0 && x <= 9007199254740991.0 && static_cast<double>(static_cast<size_t>(x)) == x))
    throw_coded(info.Env(), "HS_INVALID_ARGUMENT", std::string(name) + ": expected a non-negative integer");
  return static_cast<size_t>(x);
}

bool fits(size_t offset, size_t bytes, size_t length) { return offset <= length && bytes <= length - offset; }

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
                      InstanceMethod<&DeviceBuffer::copy_from>("copyFrom"),
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
  size_t offset = byte_count(info, 1, "byteOffset");
  if (!fits(offset, host.size, byte_length()))
    throw_coded(env, "HS_OUT_OF_BOUNDS", std::string(upload ? "upload: " : "download: ") + std::to_string(host.size) +
                                             " bytes at offset " + std::to_string(offset) + " overrun the buffer's " +
                                             std::to_string(byte_length()));
  check_not_capturing(env, device_, upload ? "DeviceBuffer.upload" : "DeviceBuffer.download");
  uint8_t* device = static_cast<uint8_t*>(data()) + offset;
  coded_call(env, [&] {
    gpu::DeviceGuard guard(device_);
    const gpu::Stream& stream = gpu::default_stream(device_);
    if (upload) {
      HS_GPU_CHECK(hipMemcpyAsync(device, host.data, host.size, hipMemcpyHostToDevice, stream.handle()));
      stream.synchronize();  // the typed array may change as soon as this returns
    } else {
      HS_GPU_CHECK(hipMemcpyAsync(host.data, device, host.size, hipMemcpyDeviceToHost, stream.handle()));
      gpu::check_kernel_faults(device_, stream.handle());  // waits; a result that a fault produced is reported
    }
  });
  return env.Undefined();
}

Napi::Value DeviceBuffer::copy_from(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  check_live(env);
  DeviceBuffer* src = info.Length() > 0 ? unwrap(info[0]) : nullptr;
  if (src == nullptr) throw_coded(env, "HS_INVALID_ARGUMENT", "copyFrom: src: expected a DeviceBuffer");
  src->check_live(env);
  if (src->device() != device_)
    throw_coded(env, "HS_INVALID_ARGUMENT", "copyFrom: src is on device " + std::to_string(src->device()) +
                                                ", this buffer on device " + std::to_string(device_));
  if (info.Length() < 2 || info[1].IsUndefined())
    throw_coded(env, "HS_INVALID_ARGUMENT", "copyFrom: byteLength: expected a non-negative integer");
  const size_t bytes = byte_count(info, 1, "byteLength");
  const size_t dst_offset = byte_count(info, 2, "dstOffset"), src_offset = byte_count(info, 3, "srcOffset");
  if (!fits(dst_offset, bytes, byte_length()) || !fits(src_offset, bytes, src->byte_length()))
    throw_coded(env, "HS_OUT_OF_BOUNDS", "copyFrom: " + std::to_string(bytes) + " bytes from offset " +
                                             std::to_string(src_offset) + " of " + std::to_string(src->byte_length()) +
                                             " to offset " + std::to_string(dst_offset) + " of " +
                                             std::to_string(byte_length()) + " overrun a buffer");
  uint8_t* dst_ptr = static_cast<uint8_t*>(data()) + dst_offset;
  const uint8_t* src_ptr = static_cast<const uint8_t*>(src->data()) + src_offset;
  if (bytes > 0 && dst_ptr < src_ptr + bytes && src_ptr < dst_ptr + bytes)
    throw_coded(env, "HS_INVALID_ARGUMENT", "copyFrom: the source and destination ranges overlap");
  if (bytes == 0) return env.Undefined();
  coded_call(env, [&] {
    gpu::DeviceGuard guard(device_);
    HS_GPU_CHECK(hipMemcpyAsync(dst_ptr, src_ptr, bytes, hipMemcpyDeviceToDevice,
                                gpu::default_stream(device_).handle()));
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
    hipStream_t stream = gpu::default_stream(device_).handle();
    HS_GPU_CHECK(hipMemsetAsync(data(), static_cast<int>(byte), byte_length(), stream));
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
