// The one file that names a vendor's GPU API. Kernels and the runtime are written with HIP's names; on AMD this
// includes HIP, on NVIDIA (HS_GPU_CUDA) it maps each HIP name used to its CUDA twin, the way llama.cpp's
// vendors/hip.h maps the other way. Add a mapping here when new code needs another runtime call.
// Host compilers (the Node bindings) may include it too: device-only helpers sit behind HS_GPU_DEVICE_CODE.
#pragma once

#if defined(HS_GPU_CUDA)
#include <cuda_fp16.h>
#include <cuda_profiler_api.h>
#include <cuda_runtime.h>
#if defined(__CUDACC__)
#include <cuda_bf16.h>
#include <mma.h>  // matrix cores (nvcuda::wmma), for native/hip/moe_mma.h
#endif

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
#define hipProfilerStart cudaProfilerStart
#define hipProfilerStop cudaProfilerStop
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
// graphs (stream capture and replay)
#define hipGraph_t cudaGraph_t
#define hipGraphExec_t cudaGraphExec_t
#define hipStreamBeginCapture cudaStreamBeginCapture
#define hipStreamEndCapture cudaStreamEndCapture
#define hipStreamIsCapturing cudaStreamIsCapturing
#define hipStreamCaptureMode cudaStreamCaptureMode
#define hipStreamCaptureModeGlobal cudaStreamCaptureModeGlobal
#define hipStreamCaptureModeThreadLocal cudaStreamCaptureModeThreadLocal
#define hipStreamCaptureModeRelaxed cudaStreamCaptureModeRelaxed
#define hipStreamCaptureStatus cudaStreamCaptureStatus
#define hipStreamCaptureStatusNone cudaStreamCaptureStatusNone
#define hipThreadExchangeStreamCaptureMode cudaThreadExchangeStreamCaptureMode
// hipGraphInstantiate's arguments differ (CUDA 12: flags; ROCm 5.2: error node and log), WithFlags agrees on both
#define hipGraphInstantiateWithFlags cudaGraphInstantiateWithFlags
#define hipGraphLaunch cudaGraphLaunch
#define hipGraphExecDestroy cudaGraphExecDestroy
#define hipGraphDestroy cudaGraphDestroy
#define HS_GPU_VENDOR "cuda"

#elif defined(HS_GPU_ROCM) || defined(__HIP_PLATFORM_AMD__) || defined(__HIPCC__)
#include <hip/hip_fp16.h>
#include <hip/hip_runtime.h>

#define HS_GPU_VENDOR "rocm"

#else
#error "platform/gpu.h needs HS_GPU_CUDA (nvcc) or a HIP compiler (HS_GPU_ROCM)"
#endif

// Starts/stops what a profiler collects (ncu/nsys --profile-from-start off, rocprof). ROCm marks
// hipProfilerStart/Stop deprecated in favour of roctracer, which is not linked here.
inline hipError_t gpuProfilerCollect(bool active) {
#if defined(HS_GPU_ROCM)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#endif
  return active ? hipProfilerStart() : hipProfilerStop();
#if defined(HS_GPU_ROCM)
#pragma clang diagnostic pop
#endif
}

// BLAS: the part of the BLASLt C API (cuBLASLt on NVIDIA, hipBLASLt on AMD) that runtime/blas.hip uses, declared
// here instead of including the vendor header, because the library is loaded at run time (runtime/blas_library.h):
// the build needs neither its headers nor its library. Only in a file that defines HS_GPU_BLASLT before its first
// include of this header. The functions share their signatures; the names' prefix, the enum values and the
// algorithm struct differ between the vendors (values from cublasLt.h/cublas_api.h of CUDA 12.6 and from
// hipblaslt.h/hipblas-common.h of ROCm 6).
#if defined(HS_GPU_BLASLT)
#include <cstddef>
#include <cstdint>

namespace hipserve::gpu::blaslt {

// Opaque objects of the library, created and destroyed by its functions.
struct HandleObject;
struct MatmulDescObject;
struct LayoutObject;
struct PreferenceObject;
using Handle = HandleObject*;
using MatmulDesc = MatmulDescObject*;
using Layout = LayoutObject*;
using Preference = PreferenceObject*;

// The library's enums are C enums (int-sized); they are passed and returned as int32_t.
using Status = int32_t;

#if defined(HS_GPU_CUDA)
inline constexpr const char* kLibraryNames[] = {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"};
inline constexpr const char* kSymbolPrefix = "cublasLt";
inline constexpr Status kStatusSuccess = 0;
inline constexpr Status kStatusNotSupported = 15;
inline constexpr int32_t kOpN = 0, kOpT = 1;                    // cublasOperation_t
inline constexpr int32_t kCompute32F = 68;                      // cublasComputeType_t
inline constexpr int32_t kTypeF32 = 0, kTypeF16 = 2, kTypeBF16 = 14;  // cudaDataType
// cublasLtMatmulDescAttributes_t
inline constexpr int32_t kDescTransA = 3, kDescTransB = 4, kDescEpilogue = 7, kDescBiasPointer = 8,
                         kDescBiasDataType = 26;
inline constexpr uint32_t kEpilogueDefault = 1, kEpilogueBias = 4;  // cublasLtEpilogue_t
// cublasLtMatmulPreferenceAttributes_t. cuBLASLt assumes 256-byte aligned matrices unless told less.
inline constexpr int32_t kPrefMaxWorkspaceBytes = 1;
inline constexpr bool kHasAlignmentPrefs = true;
inline constexpr int32_t kPrefMinAlignmentA = 5, kPrefMinAlignmentB = 6, kPrefMinAlignmentC = 7,
                         kPrefMinAlignmentD = 8;

// cublasLtMatmulAlgo_t: 64 opaque bytes.
struct MatmulAlgo {
  uint64_t data[8];
};
inline constexpr size_t kHeuristicResultBytes = 96;
#else
inline constexpr const char* kLibraryNames[] = {"libhipblaslt.so.0", "libhipblaslt.so.1", "libhipblaslt.so"};
inline constexpr const char* kSymbolPrefix = "hipblasLt";
inline constexpr Status kStatusSuccess = 0;
inline constexpr Status kStatusNotSupported = 7;
inline constexpr int32_t kOpN = 111, kOpT = 112;                // hipblasOperation_t
inline constexpr int32_t kCompute32F = 2;                       // hipblasComputeType_t
inline constexpr int32_t kTypeF32 = 0, kTypeF16 = 2, kTypeBF16 = 14;  // hipDataType
// hipblasLtMatmulDescAttributes_t
inline constexpr int32_t kDescTransA = 0, kDescTransB = 1, kDescEpilogue = 2, kDescBiasPointer = 3,
                         kDescBiasDataType = 4;
inline constexpr uint32_t kEpilogueDefault = 1, kEpilogueBias = 4;  // hipblasLtEpilogue_t
// hipblasLtMatmulPreferenceAttributes_t: no alignment preferences.
inline constexpr int32_t kPrefMaxWorkspaceBytes = 1;
inline constexpr bool kHasAlignmentPrefs = false;
inline constexpr int32_t kPrefMinAlignmentA = -1, kPrefMinAlignmentB = -1, kPrefMinAlignmentC = -1,
                         kPrefMinAlignmentD = -1;

// hipblasLtMatmulAlgo_t: 16 opaque bytes and the workspace bound.
struct MatmulAlgo {
  uint8_t data[16];
  size_t max_workspace_bytes;
};
inline constexpr size_t kHeuristicResultBytes = 56;
#endif

// cublasLtMatmulHeuristicResult_t / hipblasLtMatmulHeuristicResult_t (same fields).
struct HeuristicResult {
  MatmulAlgo algo;
  size_t workspace_bytes;
  Status state;
  float waves_count;
  int reserved[4];
};
static_assert(sizeof(HeuristicResult) == kHeuristicResultBytes, "the heuristic result must match the library's");

// The functions, named kSymbolPrefix + the name after "Fn" (CreateFn: cublasLtCreate / hipblasLtCreate).
using CreateFn = Status (*)(Handle* handle);
using DestroyFn = Status (*)(Handle handle);
using MatmulDescCreateFn = Status (*)(MatmulDesc* desc, int32_t compute_type, int32_t scale_type);
using MatmulDescDestroyFn = Status (*)(MatmulDesc desc);
using MatmulDescSetAttributeFn = Status (*)(MatmulDesc desc, int32_t attribute, const void* value, size_t bytes);
using MatrixLayoutCreateFn = Status (*)(Layout* layout, int32_t type, uint64_t rows, uint64_t cols, int64_t ld);
using MatrixLayoutDestroyFn = Status (*)(Layout layout);
using MatmulPreferenceCreateFn = Status (*)(Preference* pref);
using MatmulPreferenceDestroyFn = Status (*)(Preference pref);
using MatmulPreferenceSetAttributeFn = Status (*)(Preference pref, int32_t attribute, const void* value,
                                                  size_t bytes);
using MatmulAlgoGetHeuristicFn = Status (*)(Handle handle, MatmulDesc desc, Layout a, Layout b, Layout c, Layout d,
                                            Preference pref, int requested, HeuristicResult* results,
                                            int* returned);
using MatmulFn = Status (*)(Handle handle, MatmulDesc desc, const void* alpha, const void* a, Layout a_layout,
                            const void* b, Layout b_layout, const void* beta, const void* c, Layout c_layout, void* d,
                            Layout d_layout, const MatmulAlgo* algo, void* workspace, size_t workspace_bytes,
                            hipStream_t stream);

}  // namespace hipserve::gpu::blaslt
#endif  // HS_GPU_BLASLT

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

// Every lane gets the value of lane src_lane.
template <typename T>
__device__ __forceinline__ T shfl(T value, int src_lane) {
#if defined(HS_GPU_CUDA)
  return __shfl_sync(0xffffffffu, value, src_lane);
#else
  return __shfl(value, src_lane);
#endif
}

// Whether any lane of the wave passes true.
__device__ __forceinline__ bool wave_any(bool predicate) {
#if defined(HS_GPU_CUDA)
  return __any_sync(0xffffffffu, predicate);
#else
  return __any(predicate);
#endif
}

// 2^x from the hardware's approximation (NVIDIA: 2 ulp, subnormal results flushed to zero), one instruction.
__device__ __forceinline__ float fast_exp2(float x) {
#if defined(HS_GPU_CUDA)
  float r;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(r) : "f"(x));
  return r;
#else
  return exp2f(x);
#endif
}

}  // namespace hipserve::gpu
#endif
