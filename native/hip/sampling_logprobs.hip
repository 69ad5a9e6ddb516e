#include "hip/sampling_logprobs.h"

#include "hip/sampling_checks.h"
#include "hip/sampling_radix_select_row.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

struct TopShared {
  float value[kMaxTopLogprobs];
  int32_t index[kMaxTopLogprobs];
  int taken, equal;
  int scan[kSamplingThreads];
};

union LogprobsShared {
  RadixSelectShared radix;
  TopShared top;
};

// Collects the k largest of the row into sh.top (any order): those above the k-th largest key, then the lowest
// indices among those equal to it.
template <typename Value>
__device__ void collect_top(const Value& value, int n, int k, uint32_t kth, TopShared& sh) {
  if (threadIdx.x == 0) sh.taken = sh.equal = 0;
  __syncthreads();
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const float v = value(i);
    const uint32_t key = float_key(v);
    if (key > kth) {
      const int slot = atomicAdd(&sh.taken, 1);
      sh.value[slot] = v;
      sh.index[slot] = i;
    } else if (key == kth) {
      atomicAdd(&sh.equal, 1);
    }
  }
  __syncthreads();
  const int quota = k - sh.taken;
  const bool all_ties_fit = sh.equal <= quota;
  __syncthreads();  // every thread has read sh.taken before the branches below move it
  if (all_ties_fit) {
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
      const float v = value(i);
      if (float_key(v) != kth) continue;
      const int slot = atomicAdd(&sh.taken, 1);
      sh.value[slot] = v;
      sh.index[slot] = i;
    }
  } else {  // more ties than places: the lowest indices, tile by tile in index order
    const int base_taken = sh.taken;
    int got = 0;
    for (int base = 0; base < n && got < quota; base += blockDim.x) {
      const int i = base + threadIdx.x;
      const int flag = i < n && float_key(value(i)) == kth ? 1 : 0;
      const int tile_total = __syncthreads_count(flag);
      const int incl = block_inclusive_scan(flag, sh.scan);
      if (flag && got + incl - 1 < quota) {
        sh.value[base_taken + got + incl - 1] = value(i);
        sh.index[base_taken + got + incl - 1] = i;
      }
      got += tile_total;
    }
    if (threadIdx.x == 0) sh.taken = base_taken + quota;
  }
  __syncthreads();
}

__global__ __launch_bounds__(kSamplingThreads) void logprobs_kernel(
    const float* rows, int64_t stride, int n, const int32_t* row_index, const int32_t* sampled, int num_sampled,
    bool gathered, int k, float* token, int32_t* top_ids, float* top_logprobs, int32_t* fault) {
  __shared__ LogprobsShared sh;
  __shared__ float scratch[kMaxWavesPerBlock];
  const int m = blockIdx.x;
  int32_t src = row_index[m];
  if (src < 0 || src >= num_sampled) {
    if (threadIdx.x == 0) raise_kernel_fault(fault, kFaultTokenId);
    src = 0;
  }
  const ScaledRow row{rows + (gathered ? m : src) * stride, 1.0f};
  int32_t tok = sampled[src];
  if (tok < 0 || tok >= n) {
    if (threadIdx.x == 0) raise_kernel_fault(fault, kFaultTokenId);
    tok = 0;
  }
  const float max = block_row_max(row, n, scratch);
  const float x_tok = row(tok);
  float part = 0.0f, above = 0.0f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const float v = row(i);
    part += expf(v - max);
    above += v > x_tok ? 1.0f : 0.0f;
  }
  const float sum = block_sum(part, scratch), rank = 1.0f + block_sum(above, scratch);
  const float lse = max == -INFINITY ? -INFINITY : max + logf(sum);
  if (threadIdx.x == 0) {
    token[m * 2] = x_tok - lse;
    token[m * 2 + 1] = rank;
  }
  const int kk = k < n ? k : n;
  if (kk == 0) return;
  const uint32_t kth = block_select_from_top<true>(row, n, kk, 0.0f, 0.0f, sh.radix);
  __syncthreads();  // sh.radix becomes sh.top
  collect_top(row, n, kk, kth, sh.top);
  for (int j = threadIdx.x; j < k; j += blockDim.x) {
    if (j >= kk) {
      top_ids[m * k + j] = -1;
      top_logprobs[m * k + j] = -INFINITY;
      continue;
    }
    const float v = sh.top.value[j];
    const int32_t i = sh.top.index[j];
    int pos = 0;
    for (int o = 0; o < kk; ++o)
      pos += sh.top.value[o] > v || (sh.top.value[o] == v && sh.top.index[o] < i) ? 1 : 0;
    top_ids[m * k + pos] = i;
    top_logprobs[m * k + pos] = v - lse;
  }
}

__global__ void gather_rows_kernel(const float* src, int64_t src_stride, int num_src, const int32_t* row_index,
                                   float* dst, int64_t dst_stride, int n, int32_t* fault) {
  const int32_t r = row_index[blockIdx.y];
  if (r < 0 || r >= num_src) {
    if (threadIdx.x == 0 && blockIdx.x == 0) raise_kernel_fault(fault, kFaultTokenId);
    return;
  }
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) dst[blockIdx.y * dst_stride + i] = src[r * src_stride + i];
}

}  // namespace

void logprobs(const LogprobsArgs& a, hipStream_t stream) {
  check_device_logits(a.rows, "rows");
  const int64_t m = a.row_index.size(0), n = a.rows.size(1);
  check_device_rows(a.row_index, "row_index", a.rows.device_index, 1, {DType::i32});
  HS_CHECK(m > 0, empty_batch, "row_index: no rows ask for logprobs");
  if (a.gathered) check_dim(a.rows, "rows", 0, m);
  check_device_rows(a.sampled, "sampled", a.rows.device_index, 1, {DType::i32});
  if (!a.gathered) check_dim(a.sampled, "sampled", 0, a.rows.size(0));
  check_device_rows(a.token, "token", a.rows.device_index, 2, {DType::f32});
  check_dim(a.token, "token", 0, m);
  check_dim(a.token, "token", 1, 2);
  check_device_rows(a.top_ids, "top_ids", a.rows.device_index, 2, {DType::i32});
  check_dim(a.top_ids, "top_ids", 0, m);
  const int64_t k = a.top_ids.size(1);
  HS_CHECK(k <= kMaxTopLogprobs, invalid_argument, "top_ids: at most " << kMaxTopLogprobs << " top logprobs, not " << k);
  check_device_rows(a.top_logprobs, "top_logprobs", a.rows.device_index, 2, {DType::f32});
  check_dim(a.top_logprobs, "top_logprobs", 0, m);
  check_dim(a.top_logprobs, "top_logprobs", 1, k);
  for (const TensorView* t : {&a.token, &a.top_ids, &a.top_logprobs})
    HS_CHECK(t->size(1) <= 1 || t->stride(0) == t->size(1), invalid_argument, "logprobs outputs must be dense");
  DeviceGuard guard(a.rows.device_index);
  logprobs_kernel<<<static_cast<unsigned>(m), kSamplingThreads, 0, stream>>>(
      a.rows.ptr<float>(), a.rows.stride(0), static_cast<int>(n), a.row_index.ptr<int32_t>(), a.sampled.ptr<int32_t>(),
      static_cast<int>(a.sampled.size(0)), a.gathered, static_cast<int>(k), a.token.ptr<float>(),
      a.top_ids.ptr<int32_t>(), a.top_logprobs.ptr<float>(), kernel_fault_word(a.rows.device_index));
  HS_GPU_CHECK_LAUNCH();
}

void gather_rows(const TensorView& src, const TensorView& row_index, const TensorView& dst, hipStream_t stream) {
  check_device_logits(src, "src");
  check_device_logits(dst, "dst");
  check_device_rows(row_index, "row_index", src.device_index, 1, {DType::i32});
  check_dim(dst, "dst", 0, row_index.size(0));
  check_dim(dst, "dst", 1, src.size(1));
  HS_CHECK(row_index.size(0) <= 65535, invalid_argument, "row_index: at most 65535 rows per call");
  DeviceGuard guard(src.device_index);
  constexpr int kThreads = 256;
  const dim3 grid(static_cast<unsigned>((src.size(1) + kThreads - 1) / kThreads), static_cast<unsigned>(row_index.size(0)));
  gather_rows_kernel<<<grid, kThreads, 0, stream>>>(src.ptr<float>(), src.stride(0), static_cast<int>(src.size(0)),
                                                    row_index.ptr<int32_t>(), dst.ptr<float>(), dst.stride(0),
                                                    static_cast<int>(src.size(1)), kernel_fault_word(src.device_index));
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
