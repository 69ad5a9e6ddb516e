// The bf16 instances of the GEMV kernels (one file per dtype so they compile in parallel).
#include "hip/gemv_dispatch.h"

namespace hipserve::gpu {

template void gemv_dispatch<bf16, bf16>(const GemvArgs<bf16, bf16>&, GemvInput, const GemvPlan&, hipStream_t);
template void gemv_dispatch<bf16, float>(const GemvArgs<bf16, float>&, GemvInput, const GemvPlan&, hipStream_t);

}  // namespace hipserve::gpu
