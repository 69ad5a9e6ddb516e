// The options objects of the MoE bindings, checked: { router, topK, renormalize?, numGroups?, topkGroups?,
// routedScalingFactor? } for moeRoute and { activation?, alpha?, limit?, accumulate? } for fusedMoe. The CPU
// and GPU bindings read them here so the two accept exactly the same options.
#pragma once
#include <string>

#include "args.h"
#include "hipserve/ops.h"

namespace hipserve::bind {

MoeRouteParams moe_route_params(Args& a, size_t i);
FusedMoeParams fused_moe_params(Args& a, size_t i);
// options[field] as a string (absent or null: fallback).
std::string moe_string_field(Args& a, size_t i, const char* field, const char* fallback);

}  // namespace hipserve::bind
