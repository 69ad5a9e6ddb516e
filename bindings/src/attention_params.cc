#include "attention_params.h"

#include <cmath>

namespace hipserve::bind {

AttentionParams attention_params(Args& a, size_t i) {
  AttentionParams params;
  double scale = a.number_field(i, "scale", NAN);
  if (!std::isfinite(scale)) throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.scale: expected a finite number");
  params.scale = static_cast<float>(scale);
  double window = a.number_field(i, "slidingWindow", 0);
  if (!(window >= 0 && window <= 2147483647.0 && std::floor(window) == window))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.slidingWindow: expected an integer >= 0");
  params.sliding_window = static_cast<int32_t>(window);
  double softcap = a.number_field(i, "softcap", 0);
  if (!(std::isfinite(softcap) && softcap >= 0))
    throw_coded(a.env(), "HS_INVALID_ARGUMENT", "options.softcap: expected a finite number >= 0");
  params.softcap = static_cast<float>(softcap);
  return params;
}

}  // namespace hipserve::bind
