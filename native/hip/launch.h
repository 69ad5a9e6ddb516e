// Launch shapes the kernels' launchers share: block sizes in whole waves, and opting a kernel into more dynamic
// shared memory than the default 48 KiB.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "platform/arch.h"
#include "platform/gpu_check.h"

namespace hipserve::gpu {

// Threads for a block with `units` pieces of parallel work: a multiple of 64 (a whole number of waves on every
// device), at least 64, at most max_threads.
inline int block_threads(int64_t units, int max_threads) {
  return static_cast<int>(std::clamp<int64_t>((units + 63) / 64 * 64, 64, max_threads));
}

// Lets kKernel take up to `bytes` of dynamic shared memory, once per device (pass the most any launch needs).
template <auto kKernel>
void allow_dynamic_shared(size_t bytes) {
  int device = 0;
  HS_GPU_CHECK(hipGetDevice(&device));
  static std::array<std::once_flag, kMaxDevices> allowed;
  std::call_once(allowed[device], [bytes] {
    HS_GPU_CHECK(hipFuncSetAttribute(reinterpret_cast<const void*>(kKernel),
                                     hipFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  });
}

// log2(block_size) for a power of two (kernels then find a key's block with a shift), else -1 (a division).
inline int block_shift_of(int64_t block_size) {
  for (int shift = 0; shift < 31; ++shift)
    if (int64_t{1} << shift == block_size) return shift;
  return -1;
}

}  // namespace hipserve::gpu
