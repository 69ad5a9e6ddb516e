// Runs an attention plan: every item on the thread pool (largest first, claimed dynamically), then the
// merge of key partitions, then normalisation (with the optional per-head sinks) into out.
#pragma once
#include "attention_item.h"
#include "attention_plan.h"

namespace hipserve::cpu {

struct AttentionOutput {
  float* out;
  int64_t token_stride, head_stride;
  const float* sinks;  // [num_heads] or null
};

void run_attention(const AttentionProblem& p, const AttentionPlan& plan, const AttentionOutput& o, AttendFn fn);

}  // namespace hipserve::cpu
