// paged_prefill_launch for bf16 activations (one dtype per file, so the two compile side by side).
#include "hip/paged_prefill_kernel.h"

namespace hipserve::gpu {

template void paged_prefill_launch<bf16>(const PrefillAttentionArgs<bf16>&, int, hipStream_t);

}  // namespace hipserve::gpu
