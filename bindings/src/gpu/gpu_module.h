// The addon's `gpu` object (GPU builds only): device discovery and memory, the allocator, DeviceBuffer.
#pragma once
#include <napi.h>

namespace hipserve::bind {

Napi::Object gpu_module(Napi::Env env);

}  // namespace hipserve::bind
