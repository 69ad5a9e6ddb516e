// Streams and events. A Stream is non-blocking (it never waits on the legacy null stream); default_stream(d)
// is the one stream per device that the bindings and tests enqueue on, created on first use and kept for the
// life of the process (destroying it at exit could race the runtime's own teardown).
#pragma once
#include "platform/gpu.h"

namespace hipserve::gpu {

class Stream {
 public:
  explicit Stream(int device);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  hipStream_t handle() const { return handle_; }
  int device() const { return device_; }
  void synchronize() const;
  // Whether a graph capture (runtime/graph.h) is recording this stream now.
  bool capturing() const;

 private:
  hipStream_t handle_ = nullptr;
  int device_ = 0;
};

Stream& default_stream(int device);

class Event {
 public:
  // timing: the event records a timestamp (elapsed_ms); otherwise it is a cheaper pure ordering point.
  explicit Event(int device, bool timing = false);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void record(hipStream_t stream);
  // Work enqueued on `stream` after this call starts once the recorded work is done; the host does not wait.
  void make_wait(hipStream_t stream) const;
  bool done() const;
  void synchronize() const;
  // Milliseconds between `start` and this event, both recorded with timing.
  float elapsed_ms_since(const Event& start) const;

 private:
  hipEvent_t handle_ = nullptr;
  int device_ = 0;
};

}  // namespace hipserve::gpu
