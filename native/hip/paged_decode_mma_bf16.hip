// paged_decode_mma_launch for bf16 activations (one dtype per file, so the two compile side by side).
#include "hip/paged_decode_mma_kernel.h"

namespace hipserve::gpu {

template void paged_decode_mma_launch<bf16>(const DecodeAttentionArgs<bf16>&, int, int, hipStream_t);

}  // namespace hipserve::gpu
