// paged_decode_mma_launch for f16 activations (one dtype per file, so the two compile side by side).
#include "hip/paged_decode_mma_kernel.h"

namespace hipserve::gpu {

template void paged_decode_mma_launch<f16>(const DecodeAttentionArgs<f16>&, int, int, hipStream_t);

}  // namespace hipserve::gpu
