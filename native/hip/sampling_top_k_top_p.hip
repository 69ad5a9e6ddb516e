#include "hip/sampling_top_k_top_p.h"

#include "hip/sampling_checks.h"
#include "hip/sampling_filter_row.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

__global__ __launch_bounds__(kSamplingThreads) void top_k_top_p_min_p_kernel(float* logits, int64_t stride, int n,
                                                                             const int32_t* top_k, const float* top_p,
                                                                             const float* min_p) {
  __shared__ RadixSelectShared sh;
  __shared__ float scratch[kMaxWavesPerBlock];
  const FilterParams f{top_k[blockIdx.x], top_p[blockIdx.x], min_p[blockIdx.x]};
  if (!filter_is_on(f, n)) return;
  float* x = logits + blockIdx.x * stride;
  const ScaledRow row{x, 1.0f};
  const float max = block_row_max(row, n, scratch);
  if (max == -INFINITY) return;
  const float threshold = block_filter_threshold(row, n, max, f, sh, scratch);
  for (int i = threadIdx.x; i < n; i += blockDim.x) x[i] = x[i] >= threshold ? x[i] : -INFINITY;
}

}  // namespace

void top_k_top_p_min_p(const TensorView& logits, const TensorView& top_k, const TensorView& top_p,
                       const TensorView& min_p, hipStream_t stream) {
  check_device_logits(logits);
  const int64_t rows = logits.size(0);
  check_device_per_row(top_k, "top_k", DType::i32, rows, logits);
  check_device_per_row(top_p, "top_p", DType::f32, rows, logits);
  check_device_per_row(min_p, "min_p", DType::f32, rows, logits);
  DeviceGuard guard(logits.device_index);
  top_k_top_p_min_p_kernel<<<static_cast<unsigned>(rows), kSamplingThreads, 0, stream>>>(
      logits.ptr<float>(), logits.stride(0), static_cast<int>(logits.size(1)), top_k.ptr<int32_t>(),
      top_p.ptr<float>(), min_p.ptr<float>());
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
