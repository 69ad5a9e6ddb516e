#include "runtime/stream.h"

#include <array>
#include <mutex>

#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {

Stream::Stream(int device) : device_(device) {
  DeviceGuard guard(device);
  HS_GPU_CHECK(hipStreamCreateWithFlags(&handle_, hipStreamNonBlocking));
}

Stream::~Stream() {
  DeviceGuard guard(device_);
  (void)hipStreamDestroy(handle_);
}

void Stream::synchronize() const { HS_GPU_CHECK(hipStreamSynchronize(handle_)); }

bool Stream::capturing() const {
  hipStreamCaptureStatus status = hipStreamCaptureStatusNone;
  HS_GPU_CHECK(hipStreamIsCapturing(handle_, &status));
  return status != hipStreamCaptureStatusNone;
}

Stream& default_stream(int device) {
  static std::array<Stream*, kMaxDevices> streams{};
  static std::mutex mu;
  check_device(device);
  std::lock_guard<std::mutex> lock(mu);
  if (streams[device] == nullptr) streams[device] = new Stream(device);  // kept until exit, see stream.h
  return *streams[device];
}

Event::Event(int device, bool timing) : device_(device) {
  DeviceGuard guard(device);
  HS_GPU_CHECK(hipEventCreateWithFlags(&handle_, timing ? hipEventDefault : hipEventDisableTiming));
}

Event::~Event() {
  DeviceGuard guard(device_);
  (void)hipEventDestroy(handle_);
}

void Event::record(hipStream_t stream) { HS_GPU_CHECK(hipEventRecord(handle_, stream)); }

void Event::make_wait(hipStream_t stream) const { HS_GPU_CHECK(hipStreamWaitEvent(stream, handle_, 0)); }

bool Event::done() const {
  hipError_t err = hipEventQuery(handle_);
  if (err == hipErrorNotReady) return false;
  HS_GPU_CHECK(err);
  return true;
}

void Event::synchronize() const { HS_GPU_CHECK(hipEventSynchronize(handle_)); }

float Event::elapsed_ms_since(const Event& start) const {
  float ms = 0.0f;
  HS_GPU_CHECK(hipEventElapsedTime(&ms, start.handle_, handle_));
  return ms;
}

}  // namespace hipserve::gpu
