// paged_prefill_launch for f16 activations (one dtype per file, so the two compile side by side).
#include "hip/paged_prefill_kernel.h"

namespace hipserve::gpu {

template void paged_prefill_launch<f16>(const PrefillAttentionArgs<f16>&, int, hipStream_t);

}  // namespace hipserve::gpu
