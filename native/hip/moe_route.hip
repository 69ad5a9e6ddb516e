#include "hip/moe_route.h"

#include "cpu/moe_params_check.h"
#include "hip/checks.h"
#include "hip/dtypes.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

constexpr int kThreads = 256;  // a multiple of every wave size

struct RouteArgs {
  int64_t logits_stride;
  const float* bias;
  int experts, top_k, num_groups, topk_groups;
  MoeRouter router;
  bool renormalize;
  float scaling;
  int32_t* ids;
  int64_t ids_stride;
  float* weights;
  int64_t weights_stride;
};

struct Best {
  float v;
  int i;  // -1: none
};

// a ranks before b: larger, or equal and of lower index (the CPU's order).
__device__ __forceinline__ bool before(Best a, Best b) {
  return a.i >= 0 && (b.i < 0 || a.v > b.v || (a.v == b.v && a.i < b.i));
}

__device__ Best block_best(Best b, float* sv, int* si) {
#pragma unroll
  for (int offset = HS_WAVE_SIZE / 2; offset > 0; offset /= 2) {
    const Best o{shfl_xor(b.v, offset), shfl_xor(b.i, offset)};
    if (before(o, b)) b = o;
  }
  const int wave = threadIdx.x / HS_WAVE_SIZE;
  if (threadIdx.x % HS_WAVE_SIZE == 0) {
    sv[wave] = b.v;
    si[wave] = b.i;
  }
  __syncthreads();
  Best r{sv[0], si[0]};
  for (int w = 1; w < kThreads / HS_WAVE_SIZE; ++w)
    if (before(Best{sv[w], si[w]}, r)) r = Best{sv[w], si[w]};
  __syncthreads();
  return r;
}

// The k largest of score[0, n), largest first, into ids (shared); taken[0, n) must be zero on entry.
__device__ void block_top_k(const float* score, int n, int k, unsigned char* taken, int* ids, float* sv, int* si) {
  for (int j = 0; j < k; ++j) {
    Best b{0.0f, -1};
    for (int e = threadIdx.x; e < n; e += kThreads)
      if (!taken[e] && before(Best{score[e], e}, b)) b = Best{score[e], e};
    b = block_best(b, sv, si);
    if (threadIdx.x == 0) {
      ids[j] = b.i;
      taken[b.i] = 1;
    }
    __syncthreads();
  }
}

__device__ float block_total(float v, float* sv, bool max) {
#pragma unroll
  for (int offset = HS_WAVE_SIZE / 2; offset > 0; offset /= 2) {
    const float o = shfl_xor(v, offset);
    v = max ? fmaxf(v, o) : v + o;
  }
  if (threadIdx.x % HS_WAVE_SIZE == 0) sv[threadIdx.x / HS_WAVE_SIZE] = v;
  __syncthreads();
  float r = sv[0];
  for (int w = 1; w < kThreads / HS_WAVE_SIZE; ++w) r = max ? fmaxf(r, sv[w]) : r + sv[w];
  __syncthreads();
  return r;
}

template <typename L>
__device__ __forceinline__ float logit_at(const L* p) {
  if constexpr (sizeof(L) == 4) return *reinterpret_cast<const float*>(p);
  else return to_float(*p);
}

// Shared memory: score[E], choice[E], group_score[G] floats, ids[k], kept[G] ints, taken[E], group_taken[G] bytes.
template <typename L>
__global__ void __launch_bounds__(kThreads) moe_route_kernel(const L* logits, RouteArgs a) {
  extern __shared__ float smem[];
  __shared__ float sv[kMaxWavesPerBlock];
  __shared__ int si[kMaxWavesPerBlock];
  const int n = a.experts, groups = a.num_groups;
  float* score = smem;
  float* choice = score + n;
  float* group_score = choice + n;
  int* ids = reinterpret_cast<int*>(group_score + groups);
  int* kept = ids + a.top_k;
  unsigned char* taken = reinterpret_cast<unsigned char*>(kept + groups);
  unsigned char* group_taken = taken + n;
  const L* row = logits + blockIdx.x * a.logits_stride;
  for (int e = threadIdx.x; e < n; e += kThreads) {
    score[e] = logit_at(row + e);
    taken[e] = 0;
  }
  for (int g = threadIdx.x; g < groups; g += kThreads) group_taken[g] = 0;
  __syncthreads();

  float w = 0.0f;  // thread j < k: the weight of the j-th choice
  if (a.router == MoeRouter::softmax_topk) {
    float m = -INFINITY;
    for (int e = threadIdx.x; e < n; e += kThreads) m = fmaxf(m, score[e]);
    m = block_total(m, sv, true);
    float s = 0.0f;
    for (int e = threadIdx.x; e < n; e += kThreads) s += score[e] = expf(score[e] - m);
    s = block_total(s, sv, false);
    for (int e = threadIdx.x; e < n; e += kThreads) score[e] /= s;
    __syncthreads();
    block_top_k(score, n, a.top_k, taken, ids, sv, si);
    if (threadIdx.x < a.top_k) w = score[ids[threadIdx.x]];
  } else if (a.router == MoeRouter::topk_softmax) {
    block_top_k(score, n, a.top_k, taken, ids, sv, si);
    if (threadIdx.x < a.top_k) w = expf(score[ids[threadIdx.x]] - score[ids[0]]);
  } else {
    for (int e = threadIdx.x; e < n; e += kThreads) {
      score[e] = 1.0f / (1.0f + expf(-score[e]));
      choice[e] = score[e] + (a.bias ? a.bias[e] : 0.0f);
    }
    __syncthreads();
    const int group_size = n / groups;
    for (int g = threadIdx.x; g < groups; g += kThreads) {
      const float* c = choice + g * group_size;
      float first = -INFINITY, second = -INFINITY;
      for (int i = 0; i < group_size; ++i) {
        if (c[i] > first) {
          second = first;
          first = c[i];
        } else if (c[i] > second) {
          second = c[i];
        }
      }
      group_score[g] = group_size >= 2 ? first + second : first;
    }
    __syncthreads();
    block_top_k(group_score, groups, a.topk_groups, group_taken, kept, sv, si);
    // As transformers does, experts of dropped groups compete with a choice score of 0.
    for (int e = threadIdx.x; e < n; e += kThreads)
      if (!group_taken[e / group_size]) choice[e] = 0.0f;
    __syncthreads();
    block_top_k(choice, n, a.top_k, taken, ids, sv, si);
    if (threadIdx.x < a.top_k) w = score[ids[threadIdx.x]];
  }

  const bool divide = a.router == MoeRouter::topk_softmax || a.renormalize;
  if (divide) {
    const float total = block_total(threadIdx.x < a.top_k ? w : 0.0f, sv, false);
    w = a.router == MoeRouter::sigmoid_grouped ? w / (total + 1e-20f) : w / total;
  }
  if (a.router == MoeRouter::sigmoid_grouped) w *= a.scaling;
  if (threadIdx.x < a.top_k) {
    a.ids[blockIdx.x * a.ids_stride + threadIdx.x] = ids[threadIdx.x];
    a.weights[blockIdx.x * a.weights_stride + threadIdx.x] = w;
  }
}

size_t shared_bytes(int experts, int top_k, int groups) {
  return (2 * size_t(experts) + groups) * sizeof(float) + (size_t(top_k) + groups) * sizeof(int) + experts + groups;
}

}  // namespace

void moe_route(const TensorView& logits, const TensorView* correction_bias, const MoeRouteParams& params,
               const TensorView& topk_ids, const TensorView& topk_weights, hipStream_t stream) {
  const int device = logits.device_index;
  check_device_rows(logits, "logits", device, 2, {DType::f32, DType::bf16, DType::f16});
  check_device_rows(topk_ids, "topk_ids", device, 2, {DType::i32});
  check_device_rows(topk_weights, "topk_weights", device, 2, {DType::f32});
  check_nonempty(logits, "logits");
  const int64_t t_count = logits.size(0), e_count = logits.size(1);
  HS_CHECK(e_count <= kMoeRouteMaxExperts, unsupported,
           "logits: " << e_count << " experts, the GPU router takes at most " << kMoeRouteMaxExperts);
  HS_CHECK(t_count <= INT32_MAX, invalid_argument, "logits: too many rows");
  cpu::check_moe_route_params(params, e_count);
  HS_CHECK(params.top_k <= kThreads, unsupported, "top_k: at most " << kThreads << " on the GPU");
  for (const TensorView* v : {&topk_ids, &topk_weights}) {
    const char* name = v == &topk_ids ? "topk_ids" : "topk_weights";
    check_dim(*v, name, 0, t_count);
    check_dim(*v, name, 1, params.top_k);
  }
  const float* bias = nullptr;
  if (correction_bias != nullptr) {
    HS_CHECK(params.router == MoeRouter::sigmoid_grouped, invalid_argument,
             "correction_bias: only the sigmoid_grouped router takes one");
    check_device_rows(*correction_bias, "correction_bias", device, 1, {DType::f32});
    check_dim(*correction_bias, "correction_bias", 0, e_count);
    bias = correction_bias->ptr<float>();
  }
  const bool grouped = params.router == MoeRouter::sigmoid_grouped;
  const int groups = grouped ? params.num_groups : 1;
  const RouteArgs args{logits.stride(0), bias, static_cast<int>(e_count), params.top_k, groups,
                       grouped ? params.topk_groups : 1, params.router, params.renormalize,
                       params.routed_scaling_factor, topk_ids.ptr<int32_t>(), topk_ids.stride(0),
                       topk_weights.ptr<float>(), topk_weights.stride(0)};
  DeviceGuard guard(device);
  const size_t smem = shared_bytes(args.experts, args.top_k, groups);
  const dim3 grid(static_cast<unsigned>(t_count));
  switch (logits.dtype) {
    case DType::f32:
      moe_route_kernel<float><<<grid, kThreads, smem, stream>>>(logits.ptr<float>(), args);
      break;
    case DType::bf16:
      moe_route_kernel<bf16><<<grid, kThreads, smem, stream>>>(logits.ptr<bf16>(), args);
      break;
    default:
      moe_route_kernel<f16><<<grid, kThreads, smem, stream>>>(logits.ptr<f16>(), args);
      break;
  }
  HS_GPU_CHECK_LAUNCH();
}

}  // namespace hipserve::gpu
