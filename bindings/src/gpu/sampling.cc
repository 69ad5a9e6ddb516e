#include <string>

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"
#include "hip/sampling_argmax.h"
#include "hip/sampling_categorical.h"
#include "hip/sampling_logits_processors.h"
#include "hip/sampling_logprobs.h"
#include "hip/sampling_sample.h"
#include "hip/sampling_top_k_top_p.h"

namespace hipserve::bind {

// Argument errors in a prepare function must be Napi errors (throw_coded): prepare runs outside the call's
// hipserve::Error handler, so an HS_CHECK here would escape N-API and abort the process.
static TensorView required_field(Args& a, size_t i, const char* field) {
  std::optional<TensorView> t = device_tensor_field(a, i, field);
  if (!t) throw_coded(a.env(), "HS_INVALID_ARGUMENT", std::string("options.") + field + ": a device tensor is required");
  return *t;
}

static PreparedCall prepare_gpu_argmax(Args& a) {
  TensorView logits = device_tensor(a, 0, "logits"), out = device_tensor(a, 1, "out");
  return device_call(logits.device_index, [=](hipStream_t s) { gpu::argmax(logits, out, s); });
}
HS_BINDING(gpuArgmax, prepare_gpu_argmax);

static PreparedCall prepare_gpu_top_k_top_p_min_p(Args& a) {
  TensorView logits = device_tensor(a, 0, "logits"), top_k = device_tensor(a, 1, "topK");
  TensorView top_p = device_tensor(a, 2, "topP"), min_p = device_tensor(a, 3, "minP");
  return device_call(logits.device_index,
                     [=](hipStream_t s) { gpu::top_k_top_p_min_p(logits, top_k, top_p, min_p, s); });
}
HS_BINDING(gpuTopKTopPMinP, prepare_gpu_top_k_top_p_min_p);

static PreparedCall prepare_gpu_sample_categorical(Args& a) {
  TensorView logits = device_tensor(a, 0, "logits"), uniform = device_tensor(a, 1, "uniform");
  TensorView out = device_tensor(a, 2, "out");
  return device_call(logits.device_index, [=](hipStream_t s) { gpu::sample_categorical(logits, uniform, out, s); });
}
HS_BINDING(gpuSampleCategorical, prepare_gpu_sample_categorical);

static PreparedCall prepare_gpu_sample(Args& a) {
  TensorView logits = device_tensor(a, 0, "logits");
  gpu::SampleArgs p{required_field(a, 1, "temperature"), required_field(a, 1, "topK"), required_field(a, 1, "topP"),
                    required_field(a, 1, "minP"), required_field(a, 1, "uniform")};
  TensorView out = device_tensor(a, 2, "out");
  return device_call(logits.device_index, [=](hipStream_t s) { gpu::sample(logits, p, out, s); });
}
HS_BINDING(gpuSample, prepare_gpu_sample);

static PreparedCall prepare_gpu_apply_logits_processors(Args& a) {
  TensorView logits = device_tensor(a, 0, "logits");
  TensorView offsets = required_field(a, 1, "offsets"), ids = required_field(a, 1, "ids");
  TensorView values = required_field(a, 1, "values"), penalties = required_field(a, 1, "penalties");
  return device_call(logits.device_index, [=](hipStream_t s) {
    gpu::apply_logits_processors(logits, offsets, ids, values, penalties, s);
  });
}
HS_BINDING(gpuApplyLogitsProcessors, prepare_gpu_apply_logits_processors);

static PreparedCall prepare_gpu_logprobs(Args& a) {
  Napi::Value gathered = a.raw_field(1, "gathered");
  gpu::LogprobsArgs p{device_tensor(a, 0, "rows"),     required_field(a, 1, "rowIndex"),
                      required_field(a, 1, "sampled"), !gathered.IsUndefined() && gathered.ToBoolean().Value(),
                      required_field(a, 2, "token"),   required_field(a, 2, "topIds"),
                      required_field(a, 2, "topLogprobs")};
  return device_call(p.rows.device_index, [=](hipStream_t s) { gpu::logprobs(p, s); });
}
HS_BINDING(gpuLogprobs, prepare_gpu_logprobs);

static PreparedCall prepare_gpu_gather_rows(Args& a) {
  TensorView src = device_tensor(a, 0, "src"), row_index = device_tensor(a, 1, "rowIndex");
  TensorView dst = device_tensor(a, 2, "dst");
  return device_call(src.device_index, [=](hipStream_t s) { gpu::gather_rows(src, row_index, dst, s); });
}
HS_BINDING(gpuGatherRows, prepare_gpu_gather_rows);

}  // namespace hipserve::bind
