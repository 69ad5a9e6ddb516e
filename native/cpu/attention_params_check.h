// The input check of AttentionParams, shared by the CPU and GPU attention entries.
#pragma once
#include <cmath>

#include "hipserve/ops.h"
#include "platform/check.h"

namespace hipserve::cpu {

inline void check_attention_params(const AttentionParams& params) {
  HS_CHECK(std::isfinite(params.scale), invalid_argument, "scale must be finite");
  HS_CHECK(params.sliding_window >= 0, invalid_argument, "sliding_window must be >= 0");
  HS_CHECK(std::isfinite(params.softcap) && params.softcap >= 0.0f, invalid_argument,
           "softcap must be finite and >= 0");
}

}  // namespace hipserve::cpu
