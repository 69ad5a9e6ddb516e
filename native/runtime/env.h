// The environment switches of the GPU runtime and kernels (HIPSERVE_BLAS_TUNE, HIPSERVE_PAGED_DECODE, ...): read
// once by the caller (a function-local static), so a switch holds for the life of the process.
#pragma once
#include <cstdlib>
#include <string>

namespace hipserve::gpu {

// The variable's value, "" when it is not set.
inline std::string env_string(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace hipserve::gpu
