// 16-byte copies from global to shared memory that run while the thread goes on (cp.async on NVIDIA sm_80 and
// later), for the kernels' shared-memory rings (paged decode and prefill attention, GEMV, MLA decode). A thread's
// async_copy_wait covers only its own copies: where other threads read them, a barrier follows the wait.
// Elsewhere (CDNA, older NVIDIA) the copy is a plain load and store: correct, but it waits for the load.
#pragma once
#include <cstdint>

#include "platform/gpu.h"

#if defined(HS_GPU_DEVICE_CODE)

#if defined(HS_GPU_CUDA) && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define HS_ASYNC_COPY 1
#endif

namespace hipserve::gpu {

// Copies 16 bytes from src to dst (shared), or writes 16 zero bytes when !fill (src is then not read).
__device__ __forceinline__ void copy_16_async(void* dst, const void* src, bool fill) {
#if defined(HS_ASYNC_COPY)
  const uint32_t shared = static_cast<uint32_t>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared), "l"(src), "r"(fill ? 16 : 0)
               : "memory");
#else
  *static_cast<uint4*>(dst) = fill ? *static_cast<const uint4*>(src) : make_uint4(0, 0, 0, 0);
#endif
}

// Closes the group of copies issued since the last commit.
__device__ __forceinline__ void async_copy_commit() {
#if defined(HS_ASYNC_COPY)
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

// Waits until at most kPending of this thread's committed groups are still in flight.
template <int kPending>
__device__ __forceinline__ void async_copy_wait() {
#if defined(HS_ASYNC_COPY)
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
#endif
}

}  // namespace hipserve::gpu

#endif  // HS_GPU_DEVICE_CODE
