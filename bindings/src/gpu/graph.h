// GpuGraph: a captured graph JS can replay (runtime/graph.h), made by gpu.captureGraph(device, record).
#pragma once
#include <napi.h>

#include <memory>

#include "runtime/graph.h"

namespace hipserve::bind {

class GpuGraph : public Napi::ObjectWrap<GpuGraph> {
 public:
  // The gpu.captureGraph function (it constructs GpuGraph objects).
  static Napi::Function capture_function(Napi::Env env);

  explicit GpuGraph(const Napi::CallbackInfo& info);  // (device, record)

 private:
  Napi::Value replay(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value get_device(const Napi::CallbackInfo& info);
  Napi::Value get_disposed(const Napi::CallbackInfo& info);

  std::unique_ptr<gpu::Graph> graph_;
  int device_ = 0;
};

// Throws an HS_INVALID_ARGUMENT error when a capture is recording the device's default stream: `what` waits for
// the stream or copies through the host, which a capture forbids (and the attempt would invalidate it).
void check_not_capturing(Napi::Env env, int device, const char* what);

}  // namespace hipserve::bind
