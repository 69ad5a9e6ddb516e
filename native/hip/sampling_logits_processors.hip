#include "hip/sampling_logits_processors.h"

#include "hip/checks.h"
#include "hip/sampling_checks.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

constexpr int kProcessorThreads = 256;

__global__ __launch_bounds__(kProcessorThreads) void logits_processors_kernel(
    float* logits, int64_t stride, int n, const int32_t* offsets, int total, const int32_t* ids, float* values,
    const float* penalties, int32_t* fault) {
  const int r = blockIdx.x;
  int seg[kProcessorSegments + 1];
  for (int s = 0; s <= kProcessorSegments; ++s) seg[s] = offsets[r * kProcessorSegments + s];
  for (int s = 0; s < kProcessorSegments; ++s)
    if (seg[s] < 0 || seg[s] > seg[s + 1] || seg[s + 1] > total) {
      if (threadIdx.x == 0) raise_kernel_fault(fault, kFaultTokenId);
      return;
    }
  if (seg[0] == seg[kProcessorSegments]) return;
  float* x = logits + r * stride;
  auto valid = [&](int32_t id) {
    if (id >= 0 && id < n) return true;
    raise_kernel_fault(fault, kFaultTokenId);
    return false;
  };
  if (seg[0] < seg[1]) {  // allowed ids: keep their values, -inf elsewhere
    for (int j = seg[0] + threadIdx.x; j < seg[1]; j += blockDim.x)
      if (valid(ids[j])) values[j] = x[ids[j]];
    __syncthreads();
    for (int i = threadIdx.x; i < n; i += blockDim.x) x[i] = -INFINITY;
    __syncthreads();
    for (int j = seg[0] + threadIdx.x; j < seg[1]; j += blockDim.x)
      if (ids[j] >= 0 && ids[j] < n) x[ids[j]] = values[j];
    __syncthreads();
  }
  for (int j = seg[1] + threadIdx.x; j < seg[2]; j += blockDim.x)
    if (valid(ids[j])) x[ids[j]] = -INFINITY;
  __syncthreads();
  for (int j = seg[2] + threadIdx.x; j < seg[3]; j += blockDim.x)
    if (valid(ids[j])) x[ids[j]] += values[j];
  __syncthreads();
  const float repetition = penalties[r * 3], frequency = penalties[r * 3 + 1], presence = penalties[r * 3 + 2];
  for (int j = seg[3] + threadIdx.x; j < seg[4]; j += blockDim.x) {
    if (!valid(ids[j])) continue;
    float v = x[ids[j]];
    if (repetition != 1.0f) v = v > 0.0f ? v / repetition : v * repetition;
    const float count = values[j];
    if (count > 0.0f && (frequency != 0.0f || presence != 0.0f))
      v = static_cast<float>(static_cast<double>(v) - static_cast<double>(frequency) * count - presence);
    x[ids[j]] = v;
  }
}

}  // namespace

void apply_logits_processors(const TensorView& logits, const TensorView& offsets, const TensorView& ids,
                             const TensorView& values, const TensorView& penalties, hipStream_t stream) {
  check_device_logits(logits);
  const int64_t rows = logits.size(0);
  check_device_per_row(offsets, "offsets", DType::i32, rows * kProcessorSegments + 1, logits);
  check_device_rows(ids, "ids", logits.device_index, 1, {DType::i32});
  check_device_per_row(values, "values", DType::f32, ids.size(0), logits);
  check_device_rows(penalties, "penalties", logits.device_index, 2, {DType::f32});
  check_dim(penalties, "penalties", 0, rows);
  check_dim(penalties, "penalties", 1, 3);
  HS_CHECK(ids.size(0) <= INT32_MAX, invalid_argument, "ids: at most 2^31 - 1 entries");
  HS_CHECK(penalties.stride(0) == 3, invalid_argument, "penalties: rows must be dense");
  DeviceGuard guard(logits.device_index);
  logits_processors_kernel<<<static_cast<unsigned>(rows), kProcessorThreads, 0, stream>>>(
      logits.ptr<float>(), logits.stride(0), static_cast<int>(logits.size(1)), offsets.ptr<int32_t>(),
      static_cast<int>(ids.size(0)), ids.ptr<int32_t>(), values.ptr<float>(), penalties.ptr<float>(),
      kernel_fault_word(logits.device_index));
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
