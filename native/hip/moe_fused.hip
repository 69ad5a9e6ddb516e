#include "hip/moe_fused.h"

#include "cpu/moe_params_check.h"
#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/moe_align.h"
#include "hip/moe_kernels.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/device_allocator.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

constexpr int kCombineThreads = 256;

// out[t, h..h+8) (+)= Σ_j weights[t, j] · y[t·k + j, h..h+8), slots in order; pairs with a bad id add nothing.
template <typename T>
__global__ void __launch_bounds__(kCombineThreads) moe_combine(MoeArgs<T> a) {
  const int t = blockIdx.x, h = (blockIdx.y * kCombineThreads + threadIdx.x) * 8;
  if (h >= a.hidden) return;
  float acc[8];
  T* dst = a.out + t * a.out_stride + h;
  if (a.accumulate) load_vec<T, 8>(dst, acc);
  else
#pragma unroll
    for (int i = 0; i < 8; ++i) acc[i] = 0.0f;
  for (int j = 0; j < a.top_k; ++j) {
    const int id = a.topk_ids[t * a.ids_stride + j];
    if (id < 0 || id >= a.experts) continue;
    const float w = a.topk_weights[t * a.weights_stride + j];
    const float4* src = reinterpret_cast<const float4*>(a.y + (int64_t{t} * a.top_k + j) * a.hidden + h);
    const float4 lo = src[0], hi = src[1];
    const float v[8] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
#pragma unroll
    for (int i = 0; i < 8; ++i) acc[i] = fmaf(w, v[i], acc[i]);
  }
  store_vec<T, 8>(dst, acc);
}

struct Dims {
  int64_t tokens, hidden, experts, inter, top_k;
};

void check_stacked(const TensorView& t, const char* name, int device, int ndim, std::initializer_list<DType> dtypes,
                   std::initializer_list<int64_t> dims) {
  check_device_rows(t, name, device, ndim, dtypes);
  int d = 0;
  for (int64_t expected : dims) check_dim(t, name, d++, expected);
}

int64_t span_bytes(const TensorView& t) {
  return ((t.size(0) - 1) * t.stride(0) + t.size(1)) * static_cast<int64_t>(dtype_size(t.dtype));
}

Dims check_views(const TensorView& x, const TensorView& w13, const TensorView* b13, const TensorView& w2,
                 const TensorView* b2, const TensorView& topk_ids, const TensorView& topk_weights,
                 const TensorView& out) {
  const int device = x.device_index;
  check_device_rows(x, "x", device, 2, {DType::bf16, DType::f16});
  check_device_rows(w13, "w13", device, 3, {x.dtype});
  check_device_rows(topk_ids, "topk_ids", device, 2, {DType::i32});
  check_nonempty(x, "x");
  check_nonempty(w13, "w13");
  check_nonempty(topk_ids, "topk_ids");
  const Dims d{x.size(0), x.size(1), w13.size(0), w13.size(1) / 2, topk_ids.size(1)};
  HS_CHECK(w13.size(1) % 2 == 0, shape_mismatch, "w13: dim 1 (" << w13.size(1) << ") is not 2 * intermediate size");
  check_dim(w13, "w13", 2, d.hidden);
  check_stacked(w2, "w2", device, 3, {x.dtype}, {d.experts, d.hidden, d.inter});
  check_dim(topk_ids, "topk_ids", 0, d.tokens);
  check_stacked(topk_weights, "topk_weights", device, 2, {DType::f32}, {d.tokens, d.top_k});
  check_stacked(out, "out", device, 2, {x.dtype}, {d.tokens, d.hidden});
  if (b13) check_stacked(*b13, "b13", device, 2, {DType::f32}, {d.experts, 2 * d.inter});
  if (b2) check_stacked(*b2, "b2", device, 2, {DType::f32}, {d.experts, d.hidden});
  HS_CHECK(d.hidden % 8 == 0 && d.inter % 8 == 0, unsupported,
           "fused_moe: hidden (" << d.hidden << ") and intermediate (" << d.inter << ") sizes must be multiples of 8");
  HS_CHECK(rows_aligned(x, 16) && rows_aligned(w13, 16) && rows_aligned(w2, 16) && rows_aligned(out, 16),
           invalid_argument, "x, w13, w2, out: rows must start on 16-byte boundaries");
  HS_CHECK(d.experts <= kMoeAlignMaxExperts, unsupported,
           "fused_moe: " << d.experts << " experts, the GPU kernels take at most " << kMoeAlignMaxExperts);
  HS_CHECK(d.tokens * d.top_k <= INT32_MAX / 2 && d.tokens <= INT32_MAX, invalid_argument,
           "fused_moe: too many (token, expert) pairs");
  HS_CHECK(d.tokens == 1 || out.stride(0) >= d.hidden, invalid_argument, "out: rows overlap");
  const char* xb = static_cast<const char*>(x.data);
  const char* ob = static_cast<const char*>(out.data);
  HS_CHECK(xb + span_bytes(x) <= ob || ob + span_bytes(out) <= xb, invalid_argument, "out must not overlap x");
  return d;
}

// Rows per MMA tile: they grow with the pairs an expert gets.
int pick_tile(const Dims& d) {
  const int64_t per_expert = (d.tokens * d.top_k + d.experts - 1) / d.experts;
  return per_expert <= 16 ? 16 : per_expert <= 32 ? 32 : 64;
}

size_t aligned(size_t bytes) { return (bytes + 255) / 256 * 256; }

}  // namespace

void fused_moe(const TensorView& x, const TensorView& w13, const TensorView* b13, const TensorView& w2,
               const TensorView* b2, const TensorView& topk_ids, const TensorView& topk_weights,
               const FusedMoeParams& params, const TensorView& out, MoePath path, hipStream_t stream) {
  const Dims d = check_views(x, w13, b13, w2, b2, topk_ids, topk_weights, out);
  cpu::check_fused_moe_params(params);
  const bool decode = path == MoePath::decode || (path == MoePath::automatic && d.tokens <= kMoeDecodeMaxTokens);
  const int64_t pairs = d.tokens * d.top_k;
  const int device = x.device_index;
  DeviceGuard guard(device);

  // Scratch: [ids | block experts] (prefill) or done counters (decode), then act, then y.
  MoeAlignPlan plan{};
  size_t head_bytes;
  int64_t act_rows;
  if (decode) {
    head_bytes = aligned(moe_decode_done_counters(d.hidden) * 4);
    act_rows = pairs;
  } else {
    plan = plan_moe_align(pairs, d.experts, pick_tile(d));
    head_bytes = aligned(plan.max_rows() * 4) + aligned(plan.max_blocks * 4 + 4);
    act_rows = plan.max_rows();
  }
  const size_t act_bytes = aligned(act_rows * d.inter * dtype_size(x.dtype));
  const size_t y_bytes = aligned(pairs * d.hidden * 4);
  DeviceAllocation scratch(head_bytes + act_bytes + y_bytes, device, stream);
  char* base = static_cast<char*>(scratch.data());
  int32_t* fault = kernel_fault_word(device);
  MoeAlignment align{};
  if (!decode) {
    int32_t* block_expert = reinterpret_cast<int32_t*>(base + aligned(plan.max_rows() * 4));
    align = MoeAlignment{reinterpret_cast<int32_t*>(base), block_expert, block_expert + plan.max_blocks};
    moe_align_launch(topk_ids.ptr<int32_t>(), topk_ids.stride(0), static_cast<int>(d.top_k),
                     static_cast<int>(d.experts), plan, align, fault, stream);
  }

  dispatch_half(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const MoeArgs<T> args{x.ptr<T>(), x.stride(0),
                          w13.ptr<T>(), w13.stride(0), w13.stride(1),
                          b13 ? b13->ptr<float>() : nullptr, b13 ? b13->stride(0) : 0,
                          w2.ptr<T>(), w2.stride(0), w2.stride(1),
                          b2 ? b2->ptr<float>() : nullptr, b2 ? b2->stride(0) : 0,
                          topk_ids.ptr<int32_t>(), topk_ids.stride(0),
                          topk_weights.ptr<float>(), topk_weights.stride(0),
                          align,
                          reinterpret_cast<T*>(base + head_bytes),
                          reinterpret_cast<float*>(base + head_bytes + act_bytes),
                          reinterpret_cast<int32_t*>(base),
                          fault,
                          out.ptr<T>(), out.stride(0), params.accumulate,
                          static_cast<int>(d.tokens), static_cast<int>(d.experts),
                          static_cast<int>(d.hidden), static_cast<int>(d.inter), static_cast<int>(d.top_k),
                          static_cast<int>(pairs), params.activation, params.alpha, params.limit};
    if (decode) {
      moe_decode_launch<T>(args, stream);
      return;
    }
    moe_prefill_launch<T>(args, plan, stream);
    const dim3 grid(static_cast<unsigned>(d.tokens),
                    static_cast<unsigned>((d.hidden / 8 + kCombineThreads - 1) / kCombineThreads));
    moe_combine<T><<<grid, kCombineThreads, 0, stream>>>(args);
    HS_GPU_CHECK_LAUNCH();
  });
  // `scratch` goes back to this stream's cache: later work on the stream runs after these kernels.
}

}  // namespace hipserve::gpu
