#include "hip/moe_fused.h"
#include "hip/moe_route.h"

#include <optional>
#include <string>

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"
#include "moe_params.h"

namespace hipserve::bind {

// gpuMoeRoute(logits, correctionBias | null, options, topkIds, topkWeights), options as for moeRoute.
static PreparedCall prepare_gpu_moe_route(Args& a) {
  TensorView logits = device_tensor(a, 0, "logits");
  std::optional<TensorView> bias = optional_device_tensor(a, 1, "correctionBias");
  MoeRouteParams params = moe_route_params(a, 2);
  TensorView ids = device_tensor(a, 3, "topkIds"), weights = device_tensor(a, 4, "topkWeights");
  return device_call(logits.device_index, [=](hipStream_t s) {
    gpu::moe_route(logits, bias ? &*bias : nullptr, params, ids, weights, s);
  });
}
HS_BINDING(gpuMoeRoute, prepare_gpu_moe_route);

static gpu::MoePath moe_path(Args& a, size_t i) {
  const std::string path = moe_string_field(a, i, "path", "auto");
  if (path == "auto") return gpu::MoePath::automatic;
  if (path == "decode") return gpu::MoePath::decode;
  if (path == "prefill") return gpu::MoePath::prefill;
  throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.path: expected auto, decode or prefill");
}

// gpuFusedMoe(x, w13, b13 | null, w2, b2 | null, topkIds, topkWeights, options, out), options as for fusedMoe
// plus path?: 'auto' | 'decode' | 'prefill'.
static PreparedCall prepare_gpu_fused_moe(Args& a) {
  TensorView x = device_tensor(a, 0, "x"), w13 = device_tensor(a, 1, "w13");
  std::optional<TensorView> b13 = optional_device_tensor(a, 2, "b13");
  TensorView w2 = device_tensor(a, 3, "w2");
  std::optional<TensorView> b2 = optional_device_tensor(a, 4, "b2");
  TensorView ids = device_tensor(a, 5, "topkIds"), weights = device_tensor(a, 6, "topkWeights");
  FusedMoeParams params = fused_moe_params(a, 7);
  gpu::MoePath path = moe_path(a, 7);
  TensorView out = device_tensor(a, 8, "out");
  return device_call(x.device_index, [=](hipStream_t s) {
    gpu::fused_moe(x, w13, b13 ? &*b13 : nullptr, w2, b2 ? &*b2 : nullptr, ids, weights, params, out, path, s);
  });
}
HS_BINDING(gpuFusedMoe, prepare_gpu_fused_moe);

}  // namespace hipserve::bind
