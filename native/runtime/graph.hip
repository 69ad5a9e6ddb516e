#include "runtime/graph.h"

#include <string>

#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/device_allocator.h"
#include "runtime/kernel_faults.h"
#include "runtime/stream.h"

namespace hipserve::gpu {
namespace {

// Ends a capture that cannot complete and discards what it recorded, so the stream is usable again.
void abandon_capture(hipStream_t stream) {
  hipGraph_t graph = nullptr;
  (void)hipStreamEndCapture(stream, &graph);
  if (graph != nullptr) (void)hipGraphDestroy(graph);
  (void)hipGetLastError();
}

}  // namespace

Graph::Graph(int device, const std::function<void()>& record) : device_(device) {
  check_device(device);
  DeviceGuard guard(device);
  hipStream_t stream = default_stream(device).handle();
  // First uses that call the runtime synchronously (the fault word's allocation, the properties query) happen here,
  // not inside the capture.
  (void)kernel_fault_word(device);
  (void)device_caps(device);
  DeviceAllocator& allocator = DeviceAllocator::instance();
  pool_ = allocator.begin_capture(device, stream);
  auto fail = [&](hipError_t err, const char* what) {
    allocator.end_capture(device, stream);
    allocator.release_pool(pool_);
    throw_gpu_error(err, what, __FILE__, __LINE__);
  };
  hipError_t err = hipStreamBeginCapture(stream, hipStreamCaptureModeThreadLocal);
  if (err != hipSuccess) fail(err, "hipStreamBeginCapture");
  try {
    record();
  } catch (...) {
    abandon_capture(stream);
    allocator.end_capture(device, stream);
    allocator.release_pool(pool_);
    throw;
  }
  hipGraph_t graph = nullptr;
  err = hipStreamEndCapture(stream, &graph);
  if (err != hipSuccess) {
    if (graph != nullptr) (void)hipGraphDestroy(graph);
    fail(err, "hipStreamEndCapture (the capture was invalidated by a call it forbids: a wait, host copy or free)");
  }
  allocator.end_capture(device, stream);
  err = hipGraphInstantiateWithFlags(&exec_, graph, 0);
  (void)hipGraphDestroy(graph);  // the executable graph holds its own copy
  if (err != hipSuccess) {
    exec_ = nullptr;
    allocator.release_pool(pool_);
    throw_gpu_error(err, "hipGraphInstantiateWithFlags", __FILE__, __LINE__);
  }
}

void Graph::replay() {
  if (exec_ == nullptr) throw Error(ErrorCode::invalid_argument, "graph replay after dispose()");
  DeviceGuard guard(device_);
  HS_GPU_CHECK(hipGraphLaunch(exec_, default_stream(device_).handle()));
}

Graph::~Graph() { dispose(); }

void Graph::dispose() {
  if (exec_ == nullptr) return;
  hipStream_t stream = default_stream(device_).handle();
  int previous = -1;
  (void)hipGetDevice(&previous);
  (void)hipSetDevice(device_);
  // A replay in flight finishes before its exec goes. Waiting is forbidden while this stream captures; CUDA then
  // frees an in-flight exec on completion by itself.
  hipStreamCaptureStatus status = hipStreamCaptureStatusNone;
  if (hipStreamIsCapturing(stream, &status) == hipSuccess && status == hipStreamCaptureStatusNone)
    (void)hipStreamSynchronize(stream);
  (void)hipGraphExecDestroy(exec_);
  (void)hipGetLastError();
  if (previous >= 0) (void)hipSetDevice(previous);
  exec_ = nullptr;
  DeviceAllocator::instance().release_pool(pool_);
}

}  // namespace hipserve::gpu
