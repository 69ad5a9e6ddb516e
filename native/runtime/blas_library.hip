#define HS_GPU_BLASLT 1
#include "runtime/blas_library.h"

#include <dlfcn.h>

#include <sstream>
#include <string>

#include "hipserve/status.h"

namespace hipserve::gpu::blaslt {
namespace {

struct Loaded {
  Library functions{};
  std::string error;  // empty when every function resolved
};

// The first library of kLibraryNames that loads, or null with every name and the loader's reason in `error`.
void* open_library(std::string& error) {
  std::ostringstream tried;
  for (const char* name : kLibraryNames) {
    if (void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)) return handle;
    const char* reason = dlerror();
    tried << "\n  " << name << ": " << (reason != nullptr ? reason : "not found");
  }
  error = std::string("the BLAS library could not be loaded; tried:") + tried.str();
  return nullptr;
}

template <typename Fn>
bool resolve(void* lib, const char* suffix, Fn& fn, std::string& error) {
  const std::string symbol = std::string(kSymbolPrefix) + suffix;
  fn = reinterpret_cast<Fn>(dlsym(lib, symbol.c_str()));
  if (fn == nullptr) error = "the BLAS library has no function " + symbol;
  return fn != nullptr;
}

Loaded load() {
  Loaded loaded;
  void* lib = open_library(loaded.error);
  if (lib == nullptr) return loaded;
  Library& f = loaded.functions;
  std::string& e = loaded.error;
  const bool ok = resolve(lib, "Create", f.create, e) && resolve(lib, "Destroy", f.destroy, e) &&
                  resolve(lib, "MatmulDescCreate", f.matmul_desc_create, e) &&
                  resolve(lib, "MatmulDescDestroy", f.matmul_desc_destroy, e) &&
                  resolve(lib, "MatmulDescSetAttribute", f.matmul_desc_set_attribute, e) &&
                  resolve(lib, "MatrixLayoutCreate", f.matrix_layout_create, e) &&
                  resolve(lib, "MatrixLayoutDestroy", f.matrix_layout_destroy, e) &&
                  resolve(lib, "MatmulPreferenceCreate", f.matmul_preference_create, e) &&
                  resolve(lib, "MatmulPreferenceDestroy", f.matmul_preference_destroy, e) &&
                  resolve(lib, "MatmulPreferenceSetAttribute", f.matmul_preference_set_attribute, e) &&
                  resolve(lib, "MatmulAlgoGetHeuristic", f.matmul_algo_get_heuristic, e) &&
                  resolve(lib, "Matmul", f.matmul, e);
  if (!ok) dlclose(lib);
  return loaded;
}

}  // namespace

const Library& library() {
  static const Loaded loaded = load();  // thread-safe, once per process
  if (!loaded.error.empty()) throw Error(ErrorCode::unsupported, "matmul: " + loaded.error);
  return loaded.functions;
}

}  // namespace hipserve::gpu::blaslt
