// gemv_dispatch: the plan and the token count pick one instance of gemv_kernel. Included only by the per-dtype
// files (gemv_bf16.hip, gemv_f16.hip), which instantiate it, so each compiles its own kernels.
#pragma once
#include "hip/gemv_kernel.h"

namespace hipserve::gpu {

template <typename T, typename Out, GemvInput kInput, int kMaxTokens>
void gemv_dispatch_shape(const GemvArgs<T, Out>& args, const GemvPlan& plan, hipStream_t stream) {
  const int waves = plan.waves;
  switch (plan.loads) {
    case GemvLoads::elements:
      return gemv_launch<T, Out, kInput, kMaxTokens, 1, GemvLoads::elements>(args, waves, stream);
    case GemvLoads::registers:
      if (plan.tiles == 2) return gemv_launch<T, Out, kInput, kMaxTokens, 2, GemvLoads::registers>(args, waves, stream);
      return gemv_launch<T, Out, kInput, kMaxTokens, 1, GemvLoads::registers>(args, waves, stream);
    case GemvLoads::ring:
      if (plan.tiles == 2) return gemv_launch<T, Out, kInput, kMaxTokens, 2, GemvLoads::ring>(args, waves, stream);
      return gemv_launch<T, Out, kInput, kMaxTokens, 1, GemvLoads::ring>(args, waves, stream);
  }
}

template <typename T, typename Out, GemvInput kInput>
void gemv_dispatch_tokens(const GemvArgs<T, Out>& args, const GemvPlan& plan, hipStream_t stream) {
  if (args.tokens <= 8) return gemv_dispatch_shape<T, Out, kInput, 8>(args, plan, stream);
  gemv_dispatch_shape<T, Out, kInput, 16>(args, plan, stream);
}

template <typename T, typename Out>
void gemv_dispatch(const GemvArgs<T, Out>& args, GemvInput input, const GemvPlan& plan, hipStream_t stream) {
  switch (input) {
    case GemvInput::plain: return gemv_dispatch_tokens<T, Out, GemvInput::plain>(args, plan, stream);
    case GemvInput::silu: return gemv_dispatch_tokens<T, Out, GemvInput::silu>(args, plan, stream);
    case GemvInput::gelu_tanh: return gemv_dispatch_tokens<T, Out, GemvInput::gelu_tanh>(args, plan, stream);
  }
}

}  // namespace hipserve::gpu
