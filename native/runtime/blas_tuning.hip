#include "runtime/blas_tuning.h"

#include "platform/gpu_check.h"
#include "runtime/stream.h"

namespace hipserve::gpu {

int fastest_candidate(int count, int reps, const std::function<bool(int)>& run, hipStream_t stream,
                      std::vector<float>* ms_out) {
  int device = 0;
  HS_GPU_CHECK(hipGetDevice(&device));
  Event start(device, true), stop(device, true);
  int best = -1;
  float best_ms = 0.0f;
  if (ms_out != nullptr) ms_out->assign(count, 0.0f);
  for (int i = 0; i < count; ++i) {
    if (!run(i)) continue;
    start.record(stream);
    bool ran = true;
    for (int r = 0; r < reps && ran; ++r) ran = run(i);
    stop.record(stream);
    stop.synchronize();
    const float t = stop.elapsed_ms_since(start);
    if (ran && ms_out != nullptr) (*ms_out)[i] = t / static_cast<float>(reps);
    if (ran && (best < 0 || t < best_ms)) {
      best = i;
      best_ms = t;
    }
  }
  return best;
}

}  // namespace hipserve::gpu
