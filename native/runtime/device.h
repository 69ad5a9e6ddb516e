// Device discovery, memory info, and DeviceGuard (makes a device current for a scope, as every entry does
// before touching the runtime, so calls from any thread reach the device their views live on).
#pragma once
#include <cstddef>

namespace hipserve::gpu {

// 0 when there is no device or no driver; never throws for those.
int device_count();
// Throws Error(invalid_argument) unless 0 <= device < device_count().
void check_device(int device);

struct MemoryInfo {
  size_t free_bytes;
  size_t total_bytes;
};
MemoryInfo memory_info(int device);

// Waits until all work on the device has finished.
void synchronize_device(int device);

// Starts or stops the profiler's collection (ncu/nsys --profile-from-start off, rocprof): brackets the part of a
// run worth profiling.
void profiler_collect(bool active);

class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

}  // namespace hipserve::gpu
