#include "runtime/device.h"

#include <string>

#include "platform/gpu.h"
#include "platform/gpu_check.h"

namespace hipserve::gpu {

int device_count() {
  int n = 0;
  if (hipGetDeviceCount(&n) != hipSuccess) {
    (void)hipGetLastError();
    return 0;
  }
  return n;
}

void check_device(int device) {
  const int n = device_count();
  if (device < 0 || device >= n)
    throw Error(ErrorCode::invalid_argument,
                "device " + std::to_string(device) + " does not exist (" + std::to_string(n) + " devices)");
}

MemoryInfo memory_info(int device) {
  DeviceGuard guard(device);
  MemoryInfo info{};
  HS_GPU_CHECK(hipMemGetInfo(&info.free_bytes, &info.total_bytes));
  return info;
}

void synchronize_device(int device) {
  DeviceGuard guard(device);
  HS_GPU_CHECK(hipDeviceSynchronize());
}

void profiler_collect(bool active) {
  HS_GPU_CHECK(gpuProfilerCollect(active));
}

DeviceGuard::DeviceGuard(int device) {
  HS_GPU_CHECK(hipGetDevice(&previous_));
  if (previous_ != device) HS_GPU_CHECK(hipSetDevice(device));
}

DeviceGuard::~DeviceGuard() {
  int current = -1;
  if (hipGetDevice(&current) == hipSuccess && current != previous_) (void)hipSetDevice(previous_);
}

}  // namespace hipserve::gpu
