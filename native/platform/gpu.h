// The one file that names a vendor's GPU API. Kernels and the runtime are written with HIP's names; on AMD this
// includes HIP, on NVIDIA (HS_GPU_CUDA) it maps each HIP name used to its CUDA twin, the way llama.cpp's
// vendors/hip.h maps the other way. Add a mapping here when new code needs another runtime call.
// Host compilers (the Node bindings) may include it too: device-only helpers sit behind HS_GPU_DEVICE_CODE.
#pragma once

#if defined(HS_GPU_CUDA)
#include <cuda_fp16.h>
#include <cuda_runtime.h>

// errors
#define hipError_t cudaError_t
#define hipSuccess cudaSuccess
#define hipErrorNotReady cudaErrorNotReady
#define hipErrorOutOfMemory cudaErrorMemoryAllocation
#define hipGetErrorName cudaGetErrorName
#define hipGetErrorString cudaGetErrorString
#define hipGetLastError cudaGetLastError
#define hipPeekAtLastError cudaPeekAtLastError
// devices
#define hipDeviceProp_t cudaDeviceProp
#define hipGetDeviceCount cudaGetDeviceCount
#define hipGetDevice cudaGetDevice
#define hipSetDevice cudaSetDevice
#define hipGetDeviceProperties cudaGetDeviceProperties
#define hipDeviceGetAttribute cudaDeviceGetAttribute
#define hipDeviceAttributeWarpSize cudaDevAttrWarpSize
#define hipDeviceAttributeMultiprocessorCount cudaDevAttrMultiProcessorCount
#define hipDeviceAttributeMaxSharedMemoryPerBlock cudaDevAttrMaxSharedMemoryPerBlock
#define hipDeviceAttributeComputeCapabilityMajor cudaDevAttrComputeCapabilityMajor
#define hipDeviceAttributeComputeCapabilityMinor cudaDevAttrComputeCapabilityMinor
#define hipDeviceSynchronize cudaDeviceSynchronize
#define hipFuncSetAttribute cudaFuncSetAttribute
#define hipFuncAttributeMaxDynamicSharedMemorySize cudaFuncAttributeMaxDynamicSharedMemorySize
#define hipMemGetInfo cudaMemGetInfo
// memory
#define hipMalloc cudaMalloc
#define hipFree cudaFree
#define hipMemcpy cudaMemcpy
#define hipMemcpyAsync cudaMemcpyAsync
#define hipMemsetAsync cudaMemsetAsync
#define hipMemcpyHostToDevice cudaMemcpyHostToDevice
#define hipMemcpyDeviceToHost cudaMemcpyDeviceToHost
#define hipMemcpyDeviceToDevice cudaMemcpyDeviceToDevice
// streams and events
#define hipStream_t cudaStream_t
#define hipStreamCreateWithFlags cudaStreamCreateWithFlags
#define hipStreamNonBlocking cudaStreamNonBlocking
#define hipStreamDestroy cudaStreamDestroy
#define hipStreamSynchronize cudaStreamSynchronize
#define hipStreamWaitEvent cudaStreamWaitEvent
#define hipEvent_t cudaEvent_t
#define hipEventCreateWithFlags cudaEventCreateWithFlags
#define hipEventDefault cudaEventDefault
#define hipEventDisableTiming cudaEventDisableTiming
#define hipEventDestroy cudaEventDestroy
#define hipEventRecord cudaEventRecord
#define hipEventQuery cudaEventQuery
#define hipEventSynchronize cudaEventSynchronize
#define hipEventElapsedTime cudaEventElapsedTime

#define HS_GPU_VENDOR "cuda"

#elif defined(HS_GPU_ROCM) || defined(__HIP_PLATFORM_AMD__) || defined(__HIPCC__)
#include <hip/hip_fp16.h>
#include <hip/hip_runtime.h>

#define HS_GPU_VENDOR "rocm"

#else
#error "platform/gpu.h needs HS_GPU_CUDA (nvcc) or a HIP compiler (HS_GPU_ROCM)"
#endif

#if defined(__CUDACC__) || defined(__HIPCC__)
#define HS_GPU_DEVICE_CODE 1
#include <cstdint>

namespace hipserve::gpu {

// Butterfly exchange inside a wave: every lane gets the value of lane ^ lane_mask.
template <typename T>
__device__ __forceinline__ T shfl_xor(T value, int lane_mask) {
#if defined(HS_GPU_CUDA)
  return __shfl_xor_sync(0xffffffffu, value, lane_mask);
#else
  return __shfl_xor(value, lane_mask);
#endif
}

}  // namespace hipserve::gpu
#endif
