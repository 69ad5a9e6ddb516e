#include "gpu/gpu_module.h"

#include "coded_call.h"
#include "gpu/device_buffer.h"
#include "gpu/graph.h"
#include "platform/arch.h"
#include "runtime/device.h"
#include "runtime/device_allocator.h"
#include "runtime/kernel_faults.h"
#include "runtime/stream.h"

namespace hipserve::bind {
namespace {

int device_arg(const Napi::CallbackInfo& info) {
  int device = device_index(info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined());
  coded_call(info.Env(), [&] { gpu::check_device(device); });
  return device;
}

Napi::Value device_count(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), gpu::device_count());
}

Napi::Value device_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int device = device_arg(info);
  Napi::Object out = Napi::Object::New(env);
  coded_call(env, [&] {
    const gpu::DeviceCaps& caps = gpu::device_caps(device);
    const gpu::MemoryInfo mem = gpu::memory_info(device);
    out.Set("name", caps.name);
    out.Set("arch", caps.arch);
    out.Set("vendor", HS_GPU_VENDOR);
    out.Set("waveSize", caps.wave_size);
    out.Set("computeUnits", caps.compute_units);
    out.Set("maxSharedPerBlock", caps.max_shared_per_block);
    out.Set("matrixCores", caps.matrix_cores);
    out.Set("totalBytes", static_cast<double>(mem.total_bytes));
    out.Set("freeBytes", static_cast<double>(mem.free_bytes));
  });
  return out;
}

Napi::Value mem_get_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int device = device_arg(info);
  Napi::Object out = Napi::Object::New(env);
  coded_call(env, [&] {
    const gpu::MemoryInfo mem = gpu::memory_info(device);
    out.Set("freeBytes", static_cast<double>(mem.free_bytes));
    out.Set("totalBytes", static_cast<double>(mem.total_bytes));
  });
  return out;
}

// Waits for the default stream and the rest of the device, then reports kernel faults raised since the last check.
Napi::Value synchronize(const Napi::CallbackInfo& info) {
  int device = device_arg(info);
  check_not_capturing(info.Env(), device, "synchronize");
  coded_call(info.Env(), [&] {
    const gpu::Stream& stream = gpu::default_stream(device);
    stream.synchronize();
    gpu::synchronize_device(device);
    gpu::check_kernel_faults(device, stream.handle());
  });
  return info.Env().Undefined();
}

Napi::Value profiler_collect(const Napi::CallbackInfo& info) {
  const bool active = info[0].ToBoolean().Value();
  coded_call(info.Env(), [&] { gpu::profiler_collect(active); });
  return info.Env().Undefined();
}

Napi::Value allocator_stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const gpu::AllocatorStats s = gpu::DeviceAllocator::instance().stats(device_arg(info));
  Napi::Object out = Napi::Object::New(env);
  out.Set("allocatedBytes", static_cast<double>(s.allocated_bytes));
  out.Set("reservedBytes", static_cast<double>(s.reserved_bytes));
  out.Set("peakAllocatedBytes", static_cast<double>(s.peak_allocated_bytes));
  out.Set("deviceMallocs", static_cast<double>(s.device_mallocs));
  out.Set("cacheHits", static_cast<double>(s.cache_hits));
  out.Set("graphPoolBytes", static_cast<double>(s.graph_pool_bytes));
  return out;
}

Napi::Value empty_cache(const Napi::CallbackInfo& info) {
  coded_call(info.Env(), [] { gpu::DeviceAllocator::instance().empty_cache(); });
  return info.Env().Undefined();
}

}  // namespace

Napi::Object gpu_module(Napi::Env env) {
  Napi::Object gpu = Napi::Object::New(env);
  gpu.Set("vendor", HS_GPU_VENDOR);
  gpu.Set("deviceCount", Napi::Function::New(env, device_count));
  gpu.Set("deviceInfo", Napi::Function::New(env, device_info));
  gpu.Set("memGetInfo", Napi::Function::New(env, mem_get_info));
  gpu.Set("synchronize", Napi::Function::New(env, synchronize));
  gpu.Set("profilerCollect", Napi::Function::New(env, profiler_collect));
  gpu.Set("allocatorStats", Napi::Function::New(env, allocator_stats));
  gpu.Set("emptyCache", Napi::Function::New(env, empty_cache));
  gpu.Set("DeviceBuffer", DeviceBuffer::define(env));
  gpu.Set("captureGraph", GpuGraph::capture_function(env));
  return gpu;
}

}  // namespace hipserve::bind
