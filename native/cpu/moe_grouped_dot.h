// Several small-M matmuls (one per selected expert) in one parallel region: the output features of all of
// them are cut into runs that the threads claim in turn, so a decode step waits for its threads once per
// GEMM phase instead of once per expert.
#pragma once
#include <cstdint>

#include "matmul_kernels.h"

namespace hipserve::cpu {

// Each problem as MatmulProblem describes it (x_packed unused); any M works, small M is what it is for.
void moe_grouped_dot(const MatmulProblem* problems, int64_t count);

}  // namespace hipserve::cpu
