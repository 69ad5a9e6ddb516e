// The input checks of MoeRouteParams and FusedMoeParams, shared by the CPU and GPU MoE entries.
#pragma once
#include <cmath>
#include <cstdint>

#include "hipserve/ops.h"
#include "platform/check.h"

namespace hipserve::cpu {

inline void check_moe_route_params(const MoeRouteParams& p, int64_t e_count) {
  HS_CHECK(p.router == MoeRouter::softmax_topk || p.router == MoeRouter::sigmoid_grouped ||
               p.router == MoeRouter::topk_softmax,
           invalid_argument, "router: unknown kind " << static_cast<int>(p.router));
  HS_CHECK(p.top_k >= 1 && p.top_k <= e_count, invalid_argument,
           "top_k: " << p.top_k << " is not in [1, " << e_count << "]");
  if (p.router != MoeRouter::sigmoid_grouped) return;
  HS_CHECK(p.num_groups >= 1 && e_count % p.num_groups == 0, invalid_argument,
           "num_groups: " << p.num_groups << " does not divide " << e_count << " experts");
  HS_CHECK(p.topk_groups >= 1 && p.topk_groups <= p.num_groups, invalid_argument,
           "topk_groups: " << p.topk_groups << " is not in [1, " << p.num_groups << "]");
  HS_CHECK(p.top_k <= int64_t{p.topk_groups} * (e_count / p.num_groups), invalid_argument,
           "top_k: " << p.top_k << " exceeds the experts of " << p.topk_groups << " groups");
  HS_CHECK(std::isfinite(p.routed_scaling_factor), invalid_argument, "routed_scaling_factor: not finite");
}

inline void check_fused_moe_params(const FusedMoeParams& p) {
  HS_CHECK(p.activation == MoeActivation::silu || p.activation == MoeActivation::swiglu_oai, invalid_argument,
           "activation: unknown kind " << static_cast<int>(p.activation));
  HS_CHECK(std::isfinite(p.alpha) && std::isfinite(p.limit) && p.limit > 0, invalid_argument,
           "alpha and limit must be finite, limit > 0");
}

}  // namespace hipserve::cpu
