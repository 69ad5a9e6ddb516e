// Graph capture and replay. A Graph records what `record` enqueues on default_stream(device) and replays it with
// one launch: a decode step of a fixed batch size costs one launch instead of one per kernel.
//
//   capture:  allocator.begin_capture ─ hipStreamBeginCapture ─ record() ─ hipStreamEndCapture ─ instantiate
//   replay:   hipGraphLaunch(exec, stream)    (inputs may change between replays, their addresses may not)
//
// Every pointer the kernels were given is baked in, so memory allocated during the capture comes from a pool
// private to the graph (device_allocator.h) and stays the graph's until dispose(). Work recorded must only be
// enqueued: no waits, host copies or frees of the driver's memory inside `record`.
#pragma once
#include <cstdint>
#include <functional>

#include "platform/gpu.h"

namespace hipserve::gpu {

class Graph {
 public:
  // Runs `record` under stream capture. If it throws, the capture is ended and discarded, the stream is usable
  // again, and the exception propagates; a capture the runtime invalidated throws Error(device_error).
  Graph(int device, const std::function<void()>& record);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Enqueues the recorded work on default_stream(device) without waiting. Throws Error(invalid_argument) after
  // dispose().
  void replay();
  // Waits for replays in flight, destroys the executable graph and gives its pool back. Idempotent; never throws.
  void dispose();
  bool disposed() const { return exec_ == nullptr; }
  int device() const { return device_; }

 private:
  int device_;
  hipGraphExec_t exec_ = nullptr;
  uint64_t pool_ = 0;
};

}  // namespace hipserve::gpu
