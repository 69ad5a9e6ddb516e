#include "hip/sampling_categorical.h"

#include "hip/sampling_categorical_row.h"
#include "hip/sampling_checks.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

__global__ __launch_bounds__(kSamplingThreads) void sample_categorical_kernel(const float* logits, int64_t stride,
                                                                              int n, const float* uniform,
                                                                              int32_t* out) {
  __shared__ CategoricalShared sh;
  const ScaledRow row{logits + blockIdx.x * stride, 1.0f};
  const float max = block_row_max(row, n, sh.reduce);
  const int32_t id = block_categorical(row, n, max, -INFINITY, uniform[blockIdx.x], sh);
  if (threadIdx.x == 0) out[blockIdx.x] = id;
}

}  // namespace

void sample_categorical(const TensorView& logits, const TensorView& uniform, const TensorView& out,
                        hipStream_t stream) {
  check_device_logits(logits);
  check_device_per_row(uniform, "uniform", DType::f32, logits.size(0), logits);
  check_device_per_row(out, "out", DType::i32, logits.size(0), logits);
  DeviceGuard guard(logits.device_index);
  sample_categorical_kernel<<<static_cast<unsigned>(logits.size(0)), kSamplingThreads, 0, stream>>>(
      logits.ptr<float>(), logits.stride(0), static_cast<int>(logits.size(1)), uniform.ptr<float>(),
      out.ptr<int32_t>());
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
