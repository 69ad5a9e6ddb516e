// The vendor BLASLt library (cuBLASLt on NVIDIA, hipBLASLt on AMD), loaded at run time with dlopen like NCCL, so
// the addon builds without its headers or library and loads on a machine without it: only the first GEMM fails.
// Its types, enum values and function signatures are declared in platform/gpu.h (HS_GPU_BLASLT).
#pragma once
#if !defined(HS_GPU_BLASLT)
#error "define HS_GPU_BLASLT before the first include of platform/gpu.h to use runtime/blas_library.h"
#endif
#include "platform/gpu.h"

namespace hipserve::gpu::blaslt {

// The functions runtime/blas.hip calls, resolved from the library.
struct Library {
  CreateFn create;
  DestroyFn destroy;
  MatmulDescCreateFn matmul_desc_create;
  MatmulDescDestroyFn matmul_desc_destroy;
  MatmulDescSetAttributeFn matmul_desc_set_attribute;
  MatrixLayoutCreateFn matrix_layout_create;
  MatrixLayoutDestroyFn matrix_layout_destroy;
  MatmulPreferenceCreateFn matmul_preference_create;
  MatmulPreferenceDestroyFn matmul_preference_destroy;
  MatmulPreferenceSetAttributeFn matmul_preference_set_attribute;
  MatmulAlgoGetHeuristicFn matmul_algo_get_heuristic;
  MatmulFn matmul;
};

// Opens the library (the first of kLibraryNames that loads) and resolves every function, once per process; the
// library stays loaded until exit. When no library loads or one of its functions is missing, this and every later
// call throws `unsupported` naming the libraries tried (with the loader's reason) or the missing function.
const Library& library();

}  // namespace hipserve::gpu::blaslt
