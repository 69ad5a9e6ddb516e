#include "hip/sampling_sample.h"

#include "hip/sampling_categorical_row.h"
#include "hip/sampling_checks.h"
#include "hip/sampling_filter_row.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

union SampleShared {
  RadixSelectShared radix;
  CategoricalShared categorical;
  ArgMax argmax[kMaxWavesPerBlock];
};

__global__ __launch_bounds__(kSamplingThreads) void sample_kernel(const float* logits, int64_t stride, int n,
                                                                  const float* temperature, const int32_t* top_k,
                                                                  const float* top_p, const float* min_p,
                                                                  const float* uniform, int32_t* out) {
  __shared__ SampleShared sh;
  __shared__ float scratch[kMaxWavesPerBlock];
  const int r = blockIdx.x;
  const float* x = logits + r * stride;
  const float t = temperature[r];
  int32_t id;
  if (!(t > 0.0f)) {
    id = block_row_argmax(ScaledRow{x, 1.0f}, n, sh.argmax);
  } else {
    const ScaledRow row{x, t};
    const float max = block_row_max(row, n, scratch);
    const FilterParams f{top_k[r], top_p[r], min_p[r]};
    const float threshold = filter_is_on(f, n) ? block_filter_threshold(row, n, max, f, sh.radix, scratch) : -INFINITY;
    __syncthreads();  // sh.radix becomes sh.categorical
    id = block_categorical(row, n, max, threshold, uniform[r], sh.categorical);
  }
  if (threadIdx.x == 0) out[r] = id;
}

}  // namespace

void sample(const TensorView& logits, const SampleArgs& a, const TensorView& out, hipStream_t stream) {
  check_device_logits(logits);
  const int64_t rows = logits.size(0);
  check_device_per_row(a.temperature, "temperature", DType::f32, rows, logits);
  check_device_per_row(a.top_k, "top_k", DType::i32, rows, logits);
  check_device_per_row(a.top_p, "top_p", DType::f32, rows, logits);
  check_device_per_row(a.min_p, "min_p", DType::f32, rows, logits);
  check_device_per_row(a.uniform, "uniform", DType::f32, rows, logits);
  check_device_per_row(out, "out", DType::i32, rows, logits);
  DeviceGuard guard(logits.device_index);
  sample_kernel<<<static_cast<unsigned>(rows), kSamplingThreads, 0, stream>>>(
      logits.ptr<float>(), logits.stride(0), static_cast<int>(logits.size(1)), a.temperature.ptr<float>(),
      a.top_k.ptr<int32_t>(), a.top_p.ptr<float>(), a.min_p.ptr<float>(), a.uniform.ptr<float>(),
      out.ptr<int32_t>());
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
