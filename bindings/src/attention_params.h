// The options object of the attention bindings ({ scale, slidingWindow?, softcap? }), checked.
#pragma once
#include "args.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

AttentionParams attention_params(Args& a, size_t i);

}  // namespace hipserve::bind
