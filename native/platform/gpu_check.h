// HS_GPU_CHECK(call): a failed runtime call becomes hipserve::Error(device_error) naming the call and the
// runtime's own error. HS_GPU_CHECK_LAUNCH() checks the launch just enqueued (bad configuration, no kernel
// image for this device), which the runtime reports only through its last-error slot.
#pragma once
#include <sstream>

#include "hipserve/status.h"
#include "platform/gpu.h"

namespace hipserve::gpu {

[[noreturn]] inline void throw_gpu_error(hipError_t err, const char* call, const char* file, int line) {
  (void)hipGetLastError();  // clear the slot so the next check reports its own call
  std::ostringstream os;
  os << call << " failed: " << hipGetErrorName(err) << " (" << hipGetErrorString(err) << ") at " << file << ':'
     << line;
  throw Error(ErrorCode::device_error, os.str());
}

}  // namespace hipserve::gpu

#define HS_GPU_CHECK(call)                                                                    \
  do {                                                                                        \
    hipError_t hs_gpu_err_ = (call);                                                          \
    if (hs_gpu_err_ != hipSuccess) ::hipserve::gpu::throw_gpu_error(hs_gpu_err_, #call, __FILE__, __LINE__); \
  } while (0)

#define HS_GPU_CHECK_LAUNCH() HS_GPU_CHECK(hipGetLastError())
