// GPU op bindings enqueue their entry on the device's default stream and return without waiting, so a sequence
// of ops runs back to back on the device and can be captured into a graph (see runtime/graph.h). Argument errors
// still throw at the call; kernel faults and asynchronous device errors surface at the next gpu.synchronize or
// DeviceBuffer.download (runtime/kernel_faults.h).
#pragma once
#include "binding_registry.h"
#include "runtime/stream.h"

namespace hipserve::bind {

template <typename Fn>
PreparedCall device_call(int device, Fn fn) {
  return [device, fn] { fn(gpu::default_stream(device).handle()); };
}

}  // namespace hipserve::bind
