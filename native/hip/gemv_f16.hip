// The f16 instances of the GEMV kernels (one file per dtype so they compile in parallel).
#include "hip/gemv_dispatch.h"

namespace hipserve::gpu {

template void gemv_dispatch<f16, f16>(const GemvArgs<f16, f16>&, GemvInput, const GemvPlan&, hipStream_t);
template void gemv_dispatch<f16, float>(const GemvArgs<f16, float>&, GemvInput, const GemvPlan&, hipStream_t);

}  // namespace hipserve::gpu
