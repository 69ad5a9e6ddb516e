// The CPU kernels' thread pool: a fixed set of workers (default: the number of cores, settable) that run
// parallel_for ranges. A call from inside a worker, or while another parallel_for is running, runs inline,
// so kernels never deadlock and callers on several threads are serialized rather than oversubscribed.
#pragma once
#include <cstdint>
#include <functional>

namespace hipserve::cpu {

void set_num_threads(int n);  // n <= 0 picks the number of cores
int num_threads();

// Calls fn(begin, end) over [0, n) split into at most num_threads() contiguous chunks of at least `grain`
// items each. Exceptions thrown by fn are rethrown on the caller.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace hipserve::cpu
