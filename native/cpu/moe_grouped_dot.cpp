#include "moe_grouped_dot.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "cpu_isa.h"
#include "thread_pool.h"

namespace hipserve::cpu {
namespace {

// Weight rows per claim, in dot micro-kernels: large enough to amortize the claim, small enough to balance.
constexpr int64_t kTilesPerClaim = 8;

struct Claims {
  const MatmulProblem* problems;
  const int64_t* first_unit;  // [count + 1]: problem i owns units [first_unit[i], first_unit[i + 1])
  int64_t count, rows_per_unit;
  MatmulPanelFn dot;
  std::atomic<int64_t> next{0};

  void run() {
    for (int64_t u; (u = next.fetch_add(1)) < first_unit[count];) {
      const int64_t i = std::upper_bound(first_unit, first_unit + count + 1, u) - first_unit - 1;
      const MatmulProblem& p = problems[i];
      const int64_t begin = (u - first_unit[i]) * rows_per_unit;
      dot(p, begin, std::min(begin + rows_per_unit, p.n));
    }
  }
};

}  // namespace

void moe_grouped_dot(const MatmulProblem* problems, int64_t count) {
  const MatmulIsaKernels& kernels = matmul_kernels_for(active_isa());
  const int64_t rows = kernels.dot_rows * kTilesPerClaim;
  thread_local std::vector<int64_t> first_unit;
  first_unit.assign(static_cast<size_t>(count + 1), 0);
  for (int64_t i = 0; i < count; ++i) first_unit[i + 1] = first_unit[i] + (problems[i].n + rows - 1) / rows;
  Claims claims{problems, first_unit.data(), count, rows, kernels.dot};
  const int64_t workers = std::min<int64_t>(num_threads(), first_unit[count]);
  // One captured reference keeps the std::function free of heap allocation.
  parallel_for(workers, 1, [&claims](int64_t, int64_t) { claims.run(); });
}

}  // namespace hipserve::cpu
