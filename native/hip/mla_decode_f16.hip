// mla_attention_launch for f16 activations (one dtype per file, so the two compile side by side).
#include "hip/mla_decode_kernel.h"

namespace hipserve::gpu {

template void mla_attention_launch<f16>(const MlaAttentionArgs<f16>&, hipStream_t);

}  // namespace hipserve::gpu
