#include "gpu/graph.h"

#include <string>

#include "args.h"
#include "coded_call.h"
#include "gpu/device_buffer.h"
#include "runtime/device.h"
#include "runtime/stream.h"

namespace hipserve::bind {

Napi::Function GpuGraph::capture_function(Napi::Env env) {
  Napi::Function cls = DefineClass(env, "GpuGraph",
                                   {InstanceMethod<&GpuGraph::replay>("replay"),
                                    InstanceMethod<&GpuGraph::dispose>("dispose"),
                                    InstanceAccessor<&GpuGraph::get_device>("device"),
                                    InstanceAccessor<&GpuGraph::get_disposed>("disposed")});
  auto ctor = std::make_shared<Napi::FunctionReference>(Napi::Persistent(cls));
  ctor->SuppressDestruct();  // lives as long as the environment
  return Napi::Function::New(
      env,
      [ctor](const Napi::CallbackInfo& info) -> Napi::Value {
        Napi::Env e = info.Env();
        return ctor->New({info.Length() > 0 ? info[0] : e.Undefined(), info.Length() > 1 ? info[1] : e.Undefined()});
      },
      "captureGraph");
}

GpuGraph::GpuGraph(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GpuGraph>(info) {
  Napi::Env env = info.Env();
  device_ = device_index(env, info.Length() > 0 ? info[0] : env.Undefined());
  if (info.Length() < 2 || !info[1].IsFunction())
    throw_coded(env, "HS_INVALID_ARGUMENT", "record: expected a function that enqueues GPU ops");
  Napi::Function record = info[1].As<Napi::Function>();
  coded_call(env, [&] {
    gpu::check_device(device_);
    graph_ = std::make_unique<gpu::Graph>(device_, [&] {
      Napi::Value result = record.Call(env.Undefined(), {});
      if (result.IsPromise())
        throw_coded(env, "HS_INVALID_ARGUMENT",
                    "record: returned a Promise; a capture records only what the function enqueues before it returns "
                    "(use ops, not opsAsync)");
    });
  });
}

Napi::Value GpuGraph::replay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!graph_ || graph_->disposed()) throw_coded(env, "HS_INVALID_ARGUMENT", "GpuGraph: replay after dispose()");
  coded_call(env, [&] { graph_->replay(); });
  return env.Undefined();
}

Napi::Value GpuGraph::dispose(const Napi::CallbackInfo& info) {
  if (graph_) graph_->dispose();
  return info.Env().Undefined();
}

Napi::Value GpuGraph::get_device(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), device_); }

Napi::Value GpuGraph::get_disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !graph_ || graph_->disposed());
}

void check_not_capturing(Napi::Env env, int device, const char* what) {
  bool capturing = false;
  coded_call(env, [&] { capturing = gpu::default_stream(device).capturing(); });
  if (capturing)
    throw_coded(env, "HS_INVALID_ARGUMENT", std::string(what) + ": not allowed while a graph capture records device " +
                                                std::to_string(device) + " (it waits for the stream)");
}

}  // namespace hipserve::bind
