// One doorway per kernel: an op file declares HS_BINDING(jsName, prepare), where prepare reads and checks the
// JS arguments and returns the call to run. addon.cc exposes each as ops.<jsName>(...) (synchronous) and
// opsAsync.<jsName>(...) (a Promise, run on libuv's pool with the argument buffers kept alive).
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "args.h"

namespace hipserve::bind {

using PreparedCall = std::function<void()>;
using Prepare = PreparedCall (*)(Args&);

struct BindingEntry {
  const char* name;
  Prepare prepare;
};

std::vector<BindingEntry>& binding_registry();

struct BindingRegistrar {
  BindingRegistrar(const char* name, Prepare prepare) { binding_registry().push_back({name, prepare}); }
};

}  // namespace hipserve::bind

#define HS_BINDING(js_name, prepare_fn) \
  static ::hipserve::bind::BindingRegistrar hs_binding_##js_name(#js_name, prepare_fn)
