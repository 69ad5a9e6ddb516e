// Kernels that follow indices read from device memory (token ids, positions, slots, block tables, sequence
// lengths) cannot be validated by their entry without a copy back to the host. They check each index instead:
// an out-of-range one is skipped, so nothing outside the views is read or written, and its bit is set in the
// device's fault word. check_kernel_faults() reports them as a coded error at the next synchronization point.
#pragma once
#include <cstdint>

#include "platform/gpu.h"

namespace hipserve::gpu {

enum KernelFault : int32_t {
  kFaultTokenId = 1 << 0,
  kFaultPosition = 1 << 1,
  kFaultSlot = 1 << 2,
  kFaultBlockTable = 1 << 3,
  kFaultSeqLen = 1 << 4,
  kFaultQueryStart = 1 << 5,
  kFaultExpertId = 1 << 6,
};

// The device's fault word (one int32 in device memory, zero while nothing has gone wrong).
int32_t* kernel_fault_word(int device);

// Waits for `stream`; if any fault bit is set, clears the word and throws Error(out_of_bounds) naming them.
void check_kernel_faults(int device, hipStream_t stream);

#if defined(HS_GPU_DEVICE_CODE)
__device__ __forceinline__ void raise_kernel_fault(int32_t* word, int32_t fault) { atomicOr(word, fault); }
#endif

}  // namespace hipserve::gpu
