#include "hip/gemv.h"

#include <algorithm>

#include "hip/checks.h"
#include "hip/dtypes.h"
#include "hip/gemv_kernel.h"
#include "platform/arch.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

// x [T, width], w [N, K], out [T, N], bias [N]; width is K (gemv) or 2K (gated_gemv). Returns K.
int64_t check_gemv(const TensorView& x, int64_t width_per_k, const TensorView& w, const TensorView* bias,
                   const TensorView& out, const GemvConfig& config) {
  const int device = x.device_index;
  check_device_rows(x, "x", device, 2, {DType::bf16, DType::f16});
  check_device_rows(w, "w", device, 2, {x.dtype});
  check_device_rows(out, "out", device, 2, {x.dtype, DType::f32});
  const int64_t k = w.size(1);
  HS_CHECK(x.size(1) == width_per_k * k, shape_mismatch,
           "x: width " << x.size(1) << ", expected " << width_per_k * k << (width_per_k == 2 ? " (2 × w's K)" : "")
                       << " for w [" << w.size(0) << ", " << k << "]");
  check_dim(out, "out", 0, x.size(0));
  check_dim(out, "out", 1, w.size(0));
  HS_CHECK(x.size(0) > 0 && k > 0 && w.size(0) > 0, empty_batch,
           "gemv: T " << x.size(0) << ", N " << w.size(0) << ", K " << k << " is empty");
  HS_CHECK(x.size(0) <= kGemvMaxTokens, invalid_argument,
           "gemv: T " << x.size(0) << " is more than " << kGemvMaxTokens << " tokens (use matmul)");
  HS_CHECK(w.size(0) <= INT32_MAX && k <= INT32_MAX / 2, invalid_argument,
           "gemv: N " << w.size(0) << " or K " << k << " is too large");
  for (const auto& [t, name] : {std::pair{&x, "x"}, std::pair{&w, "w"}, std::pair{&out, "out"}})
    HS_CHECK(t->stride(0) >= t->size(1), invalid_argument,
             name << ": row stride " << t->stride(0) << " is less than the row length " << t->size(1));
  if (bias != nullptr) {
    check_device_rows(*bias, "bias", device, 1, {out.dtype});
    check_dim(*bias, "bias", 0, w.size(0));
  }
  HS_CHECK(config.rows_per_wave == 0 || config.rows_per_wave == 16 || config.rows_per_wave == 32, invalid_argument,
           "gemv: rows per wave " << config.rows_per_wave << ", expected 16 or 32 (0: automatic)");
  HS_CHECK(config.waves >= 0 && config.waves <= kGemvMaxWaves, invalid_argument,
           "gemv: " << config.waves << " waves per block, expected 1.." << kGemvMaxWaves << " (0: automatic)");
  return k;
}

int64_t div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The launch shape measured fastest on an H200 (PERF.md, gemv section): blocks of 16 rows whose waves split K;
// up to 8 tokens the weights go through registers with 512 lanes a block, beyond (where the token rows' loads
// take more registers) through the cp.async ring with 384 lanes a block; each wave keeps at least 4 steps of K.
// 32-row tiles and other wave counts measured slower. Without the ring (AMD, older NVIDIA): registers.
GemvPlan plan_gemv(int device, int64_t tokens, int64_t k, bool vec, const GemvConfig& config) {
#if defined(HS_GPU_CUDA)
  const bool ring_available = vec;
#else
  const bool ring_available = false;
#endif
  const bool ring = config.ring != 0 ? config.ring > 0 : ring_available && tokens > 8;
  HS_CHECK(!ring || ring_available, invalid_argument,
           "gemv: the cp.async ring needs an NVIDIA GPU, 16-byte aligned rows and K a multiple of 8");
  const int tiles = config.rows_per_wave != 0 ? config.rows_per_wave / kGemvTileRows : 1;
  HS_CHECK(vec || tiles == 1, invalid_argument,
           "gemv: 32 rows per wave needs 16-byte aligned rows and K a multiple of 8");
  const int64_t auto_waves = std::min<int64_t>((ring ? 384 : 512) / device_caps(device).wave_size,
                                               std::max<int64_t>(1, div_up(k, 4 * kGemvStepK)));
  const int waves = config.waves != 0 ? config.waves : static_cast<int>(std::max<int64_t>(1, auto_waves));
  const GemvLoads loads = !vec ? GemvLoads::elements : ring ? GemvLoads::ring : GemvLoads::registers;
  return GemvPlan{tiles, waves, loads};
}

void run_gemv(GemvInput input, const TensorView& x, const TensorView& w, const TensorView* bias,
              const TensorView& out, hipStream_t stream, const GemvConfig& config) {
  const int64_t k = check_gemv(x, input == GemvInput::plain ? 1 : 2, w, bias, out, config);
  const bool vec = k % 8 == 0 && rows_aligned(x, 16) && rows_aligned(w, 16);
  const GemvPlan plan = plan_gemv(x.device_index, x.size(0), k, vec, config);
  DeviceGuard guard(x.device_index);
  dispatch_half(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    auto launch = [&](auto out_tag) {
      using Out = decltype(out_tag);
      const GemvArgs<T, Out> args{x.ptr<T>(), x.stride(0), w.ptr<T>(), w.stride(0),
                                  bias != nullptr ? bias->ptr<Out>() : nullptr, out.ptr<Out>(), out.stride(0),
                                  static_cast<int>(x.size(0)), static_cast<int>(w.size(0)), static_cast<int>(k)};
      gemv_dispatch<T, Out>(args, input, plan, stream);
    };
    if (out.dtype == DType::f32) launch(float{});
    else launch(T{});
  });
}

}  // namespace

void gemv(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out,
          hipStream_t stream, GemvConfig config) {
  run_gemv(GemvInput::plain, x, w, bias, out, stream, config);
}

void gated_gemv(GatedActivation act, const TensorView& x2, const TensorView& w, const TensorView* bias,
                const TensorView& out, hipStream_t stream, GemvConfig config) {
  run_gemv(act == GatedActivation::silu ? GemvInput::silu : GemvInput::gelu_tanh, x2, w, bias, out, stream,
           config);
}

}  // namespace hipserve::gpu
