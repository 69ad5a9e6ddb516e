// The addon's module: ops.* and opsAsync.* from the binding registry, plus runtime utilities.
#include <napi.h>

#include <memory>

#include "binding_registry.h"
#include "coded_call.h"
#include "hipserve/ops.h"
#include "hipserve/status.h"
#include "runtime/mapped_file.h"
#ifdef HS_GPU
#include "gpu/gpu_module.h"
#endif

namespace hipserve::bind {

std::vector<BindingEntry>& binding_registry() {
  static std::vector<BindingEntry> entries;
  return entries;
}

namespace {

Napi::Value run_sync(const Napi::CallbackInfo& info) {
  auto prepare = reinterpret_cast<Prepare>(info.Data());
  Args args(info, false);
  PreparedCall call;
  // A native Error from the argument checks becomes a coded JS error too, never an escaping C++ exception.
  coded_call(info.Env(), [&] { call = prepare(args); });
  coded_call(info.Env(), call);
  return info.Env().Undefined();
}

class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, PreparedCall call, const std::vector<Napi::Value>& buffers,
           std::vector<std::shared_ptr<std::vector<uint8_t>>> snapshots)
      : Napi::AsyncWorker(env),
        call_(std::move(call)),
        deferred_(Napi::Promise::Deferred::New(env)),
        snapshots_(std::move(snapshots)) {
    for (const auto& b : buffers) refs_.push_back(Napi::Persistent(b.As<Napi::Object>()));
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      call_();
    } catch (const Error& e) {
      code_ = error_code_name(e.code());
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "HS_INTERNAL";
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override {
    deferred_.Reject(coded_error(Env(), code_, e.Message().c_str()).Value());
  }

 private:
  PreparedCall call_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> refs_;
  std::vector<std::shared_ptr<std::vector<uint8_t>>> snapshots_;
  const char* code_ = "HS_INTERNAL";
};

Napi::Value run_async(const Napi::CallbackInfo& info) {
  auto prepare = reinterpret_cast<Prepare>(info.Data());
  Args args(info, true);
  PreparedCall call;
  try {
    coded_call(info.Env(), [&] { call = prepare(args); });
  } catch (const Napi::Error& e) {
    auto deferred = Napi::Promise::Deferred::New(info.Env());
    deferred.Reject(e.Value());
    return deferred.Promise();
  }
  auto* worker = new OpWorker(info.Env(), std::move(call), args.buffers(), std::move(args.snapshots()));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value set_num_threads(const Napi::CallbackInfo& info) {
  Args args(info, false);
  int64_t n = args.integer(0, "threads");
  if (n < 0 || n > 1024) throw_coded(info.Env(), "HS_INVALID_ARGUMENT", "threads: expected 0..1024");
  hipserve::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value num_threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), hipserve::num_threads());
}

Napi::Value cpu_isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), hipserve::cpu_isa()); }

// Node 20 cannot hold an external ArrayBuffer over 4 GiB (its creation fails and the finalizer data is freed
// twice), so larger files are mapped a range at a time.
constexpr size_t kMaxMappedRange = size_t{1} << 32;

size_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  double v = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  if (!(v >= 0 && v <= 9007199254740991.0 && v == static_cast<double>(static_cast<size_t>(v))))
    throw_coded(info.Env(), "HS_INVALID_ARGUMENT", std::string(name) + ": expected a non-negative integer");
  return static_cast<size_t>(v);
}

// mapFile(path, offset?, length?): bytes [offset, offset + length) of the file (default: all of it).
Napi::Value map_file(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString())
    throw_coded(info.Env(), "HS_INVALID_ARGUMENT", "path: expected a string");
  const size_t offset = size_arg(info, 1, "offset"), length = size_arg(info, 2, "length");
  std::unique_ptr<MappedFile> file;
  coded_call(info.Env(), [&] {
    file = std::make_unique<MappedFile>(info[0].As<Napi::String>().Utf8Value(), offset, length);
  });
  if (file->size() == 0) return Napi::ArrayBuffer::New(info.Env(), 0);
  if (file->size() > kMaxMappedRange)
    throw_coded(info.Env(), "HS_UNSUPPORTED", "mapFile: " + std::to_string(file->size()) +
                                                   " bytes exceed the 4 GiB one ArrayBuffer holds; map a range");
  MappedFile* raw = file.release();
  return Napi::ArrayBuffer::New(info.Env(), raw->data(), raw->size(),
                                [](Napi::Env, void*, MappedFile* f) { delete f; }, raw);
}

}  // namespace

void install_crash_backtrace();  // crash_backtrace.cc

Napi::Object init(Napi::Env env, Napi::Object exports) {
  install_crash_backtrace();
  Napi::Object ops = Napi::Object::New(env);
  Napi::Object ops_async = Napi::Object::New(env);
  for (const BindingEntry& entry : binding_registry()) {
    void* data = reinterpret_cast<void*>(entry.prepare);
    ops.Set(entry.name, Napi::Function::New(env, run_sync, entry.name, data));
    ops_async.Set(entry.name, Napi::Function::New(env, run_async, entry.name, data));
  }
  exports.Set("ops", ops);
  exports.Set("opsAsync", ops_async);
  exports.Set("setNumThreads", Napi::Function::New(env, set_num_threads));
  exports.Set("numThreads", Napi::Function::New(env, num_threads));
  exports.Set("cpuIsa", Napi::Function::New(env, cpu_isa));
  exports.Set("mapFile", Napi::Function::New(env, map_file));
#ifdef HS_GPU
  exports.Set("gpu", gpu_module(env));
#endif
  return exports;
}

}  // namespace hipserve::bind

static Napi::Object init_module(Napi::Env env, Napi::Object exports) { return hipserve::bind::init(env, exports); }
NODE_API_MODULE(hipserve, init_module)
