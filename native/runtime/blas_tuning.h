// Times candidate kernels of one call on the stream and returns the fastest: how matmul picks among the BLAS
// heuristic's first algorithms for decode-sized problems, whose first choice is not always the fastest (PERF.md,
// gpuMatmul). Not capturable (it waits for its events); the caller checks that the stream is not capturing.
#pragma once
#include <functional>
#include <vector>

#include "platform/gpu.h"

namespace hipserve::gpu {

// run(i) enqueues candidate i once on `stream` and returns false when the library refused it. Each candidate runs
// once to warm up and then `reps` times between two events; returns the index of the fastest that ran, or -1.
// `ms_out` (optional) gets each candidate's mean time (0 for one that did not run).
int fastest_candidate(int count, int reps, const std::function<bool(int)>& run, hipStream_t stream,
                      std::vector<float>* ms_out = nullptr);

}  // namespace hipserve::gpu
