#include "runtime/blas_tuning.h"

#include "platform/gpu_check.h"

namespace hipserve::gpu {
namespace {

class Event {
 public:
  Event() { HS_GPU_CHECK(hipEventCreateWithFlags(&event_, hipEventDefault)); }
  ~Event() { (void)hipEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  hipEvent_t get() const { return event_; }

 private:
  hipEvent_t event_ = nullptr;
};

}  // namespace

int fastest_candidate(int count, int reps, const std::function<bool(int)>& run, hipStream_t stream,
                      std::vector<float>* ms_out) {
  Event start, stop;
  int best = -1;
  float best_ms = 0.0f;
  if (ms_out != nullptr) ms_out->assign(count, 0.0f);
  for (int i = 0; i < count; ++i) {
    if (!run(i)) continue;
    HS_GPU_CHECK(hipEventRecord(start.get(), stream));
    bool ran = true;
    for (int r = 0; r < reps && ran; ++r) ran = run(i);
    HS_GPU_CHECK(hipEventRecord(stop.get(), stream));
    HS_GPU_CHECK(hipEventSynchronize(stop.get()));
    float t = 0.0f;
    HS_GPU_CHECK(hipEventElapsedTime(&t, start.get(), stop.get()));
    if (ran && ms_out != nullptr) (*ms_out)[i] = t / static_cast<float>(reps);
    if (ran && (best < 0 || t < best_ms)) {
      best = i;
      best_ms = t;
    }
  }
  return best;
}

}  // namespace hipserve::gpu
