// GPU op bindings run their entry on the device's default stream and wait for it, so that kernel faults and
// device errors surface as the coded error of the call that caused them (a model runner calling the entries
// from native code enqueues without waiting).
#pragma once
#include "binding_registry.h"
#include "runtime/kernel_faults.h"
#include "runtime/stream.h"

namespace hipserve::bind {

template <typename Fn>
PreparedCall device_call(int device, Fn fn) {
  return [device, fn] {
    hipStream_t stream = gpu::default_stream(device).handle();
    fn(stream);
    gpu::check_kernel_faults(device, stream);
  };
}

}  // namespace hipserve::bind
