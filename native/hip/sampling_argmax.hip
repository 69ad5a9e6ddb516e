#include "hip/sampling_argmax.h"

#include "hip/sampling_block.h"
#include "hip/sampling_checks.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

__global__ __launch_bounds__(kSamplingThreads) void argmax_kernel(const float* logits, int64_t stride, int n,
                                                                  int32_t* out) {
  __shared__ ArgMax scratch[kMaxWavesPerBlock];
  const int32_t id = block_row_argmax(ScaledRow{logits + blockIdx.x * stride, 1.0f}, n, scratch);
  if (threadIdx.x == 0) out[blockIdx.x] = id;
}

}  // namespace

void argmax(const TensorView& logits, const TensorView& out, hipStream_t stream) {
  check_device_logits(logits);
  check_device_per_row(out, "out", DType::i32, logits.size(0), logits);
  DeviceGuard guard(logits.device_index);
  argmax_kernel<<<static_cast<unsigned>(logits.size(0)), kSamplingThreads, 0, stream>>>(
      logits.ptr<float>(), logits.stride(0), static_cast<int>(logits.size(1)), out.ptr<int32_t>());
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
