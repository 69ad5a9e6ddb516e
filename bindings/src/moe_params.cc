#include "moe_params.h"

#include <cmath>

namespace hipserve::bind {

static Napi::Object options_at(Args& a, size_t i) {
  Napi::Value v = a.value(i);
  if (!v.IsObject() || v.IsArray()) throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options: expected an object");
  return v.As<Napi::Object>();
}

std::string moe_string_field(Args& a, size_t i, const char* field, const char* fallback) {
  Napi::Value f = options_at(a, i).Get(field);
  if (f.IsUndefined() || f.IsNull()) return fallback;
  if (!f.IsString()) throw_coded(a.env(), "HS_INVALID_ARGUMENT", std::string("options.") + field + ": expected a string");
  return f.As<Napi::String>().Utf8Value();
}

static bool bool_field(Args& a, size_t i, const char* field, bool fallback) {
  Napi::Value f = options_at(a, i).Get(field);
  if (f.IsUndefined() || f.IsNull()) return fallback;
  if (!f.IsBoolean()) throw_coded(a.env(), "HS_INVALID_ARGUMENT", std::string("options.") + field + ": expected a boolean");
  return f.As<Napi::Boolean>().Value();
}

static int32_t int_field(Args& a, size_t i, const char* field, double fallback) {
  double v = a.number_field(i, field, fallback);
  if (!(v >= 1 && v <= 2147483647.0 && std::floor(v) == v))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", std::string("options.") + field + ": expected an integer >= 1");
  return static_cast<int32_t>(v);
}

static float finite_field(Args& a, size_t i, const char* field, double fallback) {
  double v = a.number_field(i, field, fallback);
  if (!std::isfinite(v)) throw_coded(a.env(), "HS_INVALID_ARGUMENT", std::string("options.") + field + ": expected a finite number");
  return static_cast<float>(v);
}

MoeRouteParams moe_route_params(Args& a, size_t i) {
  MoeRouteParams p;
  std::string router = moe_string_field(a, i, "router", "");
  if (router == "softmax_topk") p.router = MoeRouter::softmax_topk;
  else if (router == "sigmoid_grouped") p.router = MoeRouter::sigmoid_grouped;
  else if (router == "topk_softmax") p.router = MoeRouter::topk_softmax;
  else throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.router: expected softmax_topk, sigmoid_grouped or topk_softmax");
  p.top_k = int_field(a, i, "topK", NAN);
  p.renormalize = bool_field(a, i, "renormalize", false);
  p.num_groups = int_field(a, i, "numGroups", 1);
  p.topk_groups = int_field(a, i, "topkGroups", 1);
  p.routed_scaling_factor = finite_field(a, i, "routedScalingFactor", 1);
  return p;
}

FusedMoeParams fused_moe_params(Args& a, size_t i) {
  FusedMoeParams p;
  std::string activation = moe_string_field(a, i, "activation", "silu");
  if (activation == "silu") p.activation = MoeActivation::silu;
  else if (activation == "swiglu_oai") p.activation = MoeActivation::swiglu_oai;
  else throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.activation: expected silu or swiglu_oai");
  p.alpha = finite_field(a, i, "alpha", 1.702);
  p.limit = finite_field(a, i, "limit", 7.0);
  p.accumulate = bool_field(a, i, "accumulate", false);
  return p;
}

}  // namespace hipserve::bind
