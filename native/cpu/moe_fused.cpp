// fused_moe: the (token, slot) pairs sorted by expert, then two grouped GEMMs over the experts' row ranges
// with the activation between, and a weighted scatter-add into out.
//
//   topk_ids [T, k] ──count/sort──► rows [offsets[e], offsets[e+1]) belong to expert e
//   xg = x[token of each row]                          [T·k, H]
//   gu = xg · w13[e]ᵀ + b13[e]   (each expert's rows)  [T·k, 2I]
//   a  = act(gu)                                       [T·k, I]
//   y  = a · w2[e]ᵀ + b2[e]      (each expert's rows)  [T·k, H]
//   out[token] += weight · y
// Experts with few rows (all of them in a decode step) share one parallel region of dot kernels
// (moe_grouped_dot); experts with many rows are matmul calls, spread over the threads whole when there are
// enough of them, else each split over the threads.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

#include "checks.h"
#include "cpu_isa.h"
#include "hipserve/ops.h"
#include "moe_grouped_dot.h"
#include "moe_params_check.h"
#include "softmax_exp.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

struct MoeDims {
  int64_t tokens, hidden, experts, inter, top_k;
};

HS_MULTIVERSION
void silu_rows(const float* gu, int64_t rows, int64_t inter, float* act) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gate = gu + r * 2 * inter;
    const float* up = gate + inter;
    float* a = act + r * inter;
    for (int64_t i = 0; i < inter; ++i) a[i] = gate[i] / (1.0f + fast_exp(-gate[i])) * up[i];
  }
}

HS_MULTIVERSION
void swiglu_oai_rows(const float* gu, int64_t rows, int64_t inter, float alpha, float limit, float* act) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gate = gu + r * 2 * inter;
    const float* up = gate + inter;
    float* a = act + r * inter;
    for (int64_t i = 0; i < inter; ++i) {
      const float g = std::min(gate[i], limit);
      const float u = std::min(std::max(up[i], -limit), limit);
      a[i] = (u + 1.0f) * g / (1.0f + fast_exp(-alpha * g));
    }
  }
}

// The 2-D matrix (or 1-D vector) at index e of the leading dimension of `stacked`.
TensorView slice(const TensorView& stacked, int64_t e) {
  TensorView v = stacked;
  v.data = static_cast<char*>(stacked.data) + e * stacked.stride(0) * static_cast<int64_t>(dtype_size(stacked.dtype));
  v.ndim = stacked.ndim - 1;
  for (int i = 0; i < v.ndim; ++i) {
    v.shape[i] = stacked.shape[i + 1];
    v.strides[i] = stacked.strides[i + 1];
  }
  return v;
}

TensorView matrix(float* data, int64_t rows, int64_t cols) {
  const int64_t shape[2] = {rows, cols};
  return make_view(data, DType::f32, 2, shape);
}

void check_stacked(const TensorView& t, const char* name, int ndim, std::initializer_list<DType> dtypes,
                   std::initializer_list<int64_t> dims) {
  check_host_rows(t, name, ndim, dtypes);
  int d = 0;
  for (int64_t expected : dims) check_dim(t, name, d++, expected);
}

MoeDims check_fused_moe(const TensorView& x, const TensorView& w13, const TensorView* b13, const TensorView& w2,
                        const TensorView* b2, const TensorView& topk_ids, const TensorView& topk_weights,
                        const FusedMoeParams& params, const TensorView& out) {
  check_host_rows(x, "x", 2, {DType::f32});
  check_host_rows(w13, "w13", 3, {DType::f32, DType::f16, DType::bf16});
  check_host_rows(w2, "w2", 3, {DType::f32, DType::f16, DType::bf16});
  check_host_rows(topk_ids, "topk_ids", 2, {DType::i32});
  check_nonempty(x, "x");
  check_nonempty(w13, "w13");
  check_nonempty(topk_ids, "topk_ids");
  MoeDims d{x.size(0), x.size(1), w13.size(0), w13.size(1) / 2, topk_ids.size(1)};
  HS_CHECK(w13.size(1) % 2 == 0, shape_mismatch, "w13: dim 1 (" << w13.size(1) << ") is not 2 * intermediate size");
  check_dim(w13, "w13", 2, d.hidden);
  check_stacked(w2, "w2", 3, {DType::f32, DType::f16, DType::bf16}, {d.experts, d.hidden, d.inter});
  check_dim(topk_ids, "topk_ids", 0, d.tokens);
  check_stacked(topk_weights, "topk_weights", 2, {DType::f32}, {d.tokens, d.top_k});
  check_stacked(out, "out", 2, {DType::f32}, {d.tokens, d.hidden});
  if (b13) check_stacked(*b13, "b13", 2, {DType::f32}, {d.experts, 2 * d.inter});
  if (b2) check_stacked(*b2, "b2", 2, {DType::f32}, {d.experts, d.hidden});
  check_fused_moe_params(params);
  HS_CHECK(d.tokens == 1 || out.stride(0) >= d.hidden, invalid_argument, "out: rows overlap");
  const char* xb = static_cast<const char*>(x.data);
  const char* ob = static_cast<const char*>(out.data);
  const int64_t x_bytes = ((d.tokens - 1) * x.stride(0) + d.hidden) * 4;
  const int64_t o_bytes = ((d.tokens - 1) * out.stride(0) + d.hidden) * 4;
  HS_CHECK(xb + x_bytes <= ob || ob + o_bytes <= xb, invalid_argument, "out must not overlap x");
  const int32_t* ids = topk_ids.ptr<int32_t>();
  for (int64_t t = 0; t < d.tokens; ++t)
    for (int64_t j = 0; j < d.top_k; ++j) {
      const int32_t e = ids[t * topk_ids.stride(0) + j * topk_ids.stride(1)];
      HS_CHECK(e >= 0 && e < d.experts, out_of_bounds,
               "topk_ids[" << t << ", " << j << "] = " << e << " is not an expert in [0, " << d.experts << ")");
    }
  return d;
}

// Per-call scratch, kept by the calling thread so steady-state calls allocate nothing.
struct MoeScratch {
  std::vector<int64_t> offsets;  // [E + 1]: rows of expert e are [offsets[e], offsets[e + 1]) of the buffers below
  std::vector<int64_t> order;    // [T·k]: row r holds the flat (token, slot) index t·k + j
  std::vector<int64_t> cursor;   // [E]: next free row of each expert while sorting
  std::vector<float> xg, gu, act, y;  // [T·k, H], [T·k, 2I], [T·k, I], [T·k, H]
  std::vector<MatmulProblem> problems;  // experts served by the grouped dot kernels
  std::vector<int64_t> big;             // experts served by matmul calls
};

// Experts with fewer rows than this share one parallel region of dot kernels (the path matmul itself takes
// below these sizes); experts with more are matmul calls of their own, which may take the blocked path.
int64_t grouped_max_rows(DType w_dtype) { return w_dtype == DType::f32 ? 16 : 32; }

// One pass of the grouped GEMM: out rows of expert e = in rows of expert e · w[e]ᵀ + bias[e].
struct ExpertGemm {
  const MoeScratch& s;
  const float* in;
  int64_t k;
  const TensorView& w;
  const TensorView* bias;
  float* out;
  int64_t n;

  int64_t begin(int64_t e) const { return s.offsets[e]; }
  int64_t rows(int64_t e) const { return s.offsets[e + 1] - s.offsets[e]; }

  void matmul_expert(int64_t e) const {
    TensorView be;
    if (bias) be = slice(*bias, e);
    matmul(matrix(const_cast<float*>(in) + begin(e) * k, rows(e), k), slice(w, e), bias ? &be : nullptr,
           matrix(out + begin(e) * n, rows(e), n));
  }

  MatmulProblem dot_problem(int64_t e) const {
    const TensorView we = slice(w, e);
    MatmulProblem p;
    p.x = in + begin(e) * k;
    p.x_stride = k;
    p.w = we.data;
    p.w_dtype = we.dtype;
    p.w_stride = we.stride(0);
    p.bias = bias ? slice(*bias, e).ptr<float>() : nullptr;
    p.out = out + begin(e) * n;
    p.out_stride = n;
    p.m = rows(e);
    p.n = n;
    p.k = k;
    return p;
  }
};

// Experts with many rows: when there are at least as many as threads, each thread takes whole experts (a
// matmul called from a worker runs on it alone), so a prefill syncs once instead of once per expert.
struct BigExpertClaims {
  const ExpertGemm& gemm;
  const std::vector<int64_t>& experts;
  std::atomic<size_t> next{0};
  void run() {
    for (size_t i; (i = next.fetch_add(1)) < experts.size();) gemm.matmul_expert(experts[i]);
  }
};

void expert_gemms(MoeScratch& s, int64_t experts, const ExpertGemm& gemm) {
  s.problems.clear();
  s.big.clear();
  for (int64_t e = 0; e < experts; ++e) {
    if (gemm.rows(e) == 0) continue;
    if (gemm.rows(e) >= grouped_max_rows(gemm.w.dtype)) s.big.push_back(e);
    else s.problems.push_back(gemm.dot_problem(e));
  }
  if (!s.problems.empty()) moe_grouped_dot(s.problems.data(), static_cast<int64_t>(s.problems.size()));
  if (static_cast<int64_t>(s.big.size()) >= num_threads()) {
    BigExpertClaims claims{gemm, s.big};
    parallel_for(num_threads(), 1, [&claims](int64_t, int64_t) { claims.run(); });
  } else {
    for (int64_t e : s.big) gemm.matmul_expert(e);
  }
}

}  // namespace
}  // namespace cpu

void fused_moe(const TensorView& x, const TensorView& w13, const TensorView* b13, const TensorView& w2,
               const TensorView* b2, const TensorView& topk_ids, const TensorView& topk_weights,
               const FusedMoeParams& params, const TensorView& out) {
  using namespace cpu;
  const MoeDims d = check_fused_moe(x, w13, b13, w2, b2, topk_ids, topk_weights, params, out);
  thread_local MoeScratch s;
  const int64_t pairs = d.tokens * d.top_k;
  const int32_t* ids = topk_ids.ptr<int32_t>();
  const float* weights = topk_weights.ptr<float>();
  auto id_at = [&](int64_t p) { return ids[p / d.top_k * topk_ids.stride(0) + p % d.top_k * topk_ids.stride(1)]; };
  auto weight_at = [&](int64_t p) {
    return weights[p / d.top_k * topk_weights.stride(0) + p % d.top_k * topk_weights.stride(1)];
  };

  s.offsets.assign(static_cast<size_t>(d.experts + 1), 0);
  for (int64_t p = 0; p < pairs; ++p) ++s.offsets[static_cast<size_t>(id_at(p)) + 1];
  for (int64_t e = 0; e < d.experts; ++e) s.offsets[e + 1] += s.offsets[e];
  s.order.resize(static_cast<size_t>(pairs));
  s.cursor.assign(s.offsets.begin(), s.offsets.end() - 1);
  for (int64_t p = 0; p < pairs; ++p) s.order[static_cast<size_t>(s.cursor[static_cast<size_t>(id_at(p))]++)] = p;

  s.xg.resize(static_cast<size_t>(pairs * d.hidden));
  s.gu.resize(static_cast<size_t>(pairs * 2 * d.inter));
  s.act.resize(static_cast<size_t>(pairs * d.inter));
  s.y.resize(static_cast<size_t>(pairs * d.hidden));

  const float* xp = x.ptr<float>();
  for (int64_t r = 0; r < pairs; ++r) {
    const int64_t token = s.order[r] / d.top_k;
    std::memcpy(s.xg.data() + r * d.hidden, xp + token * x.stride(0), d.hidden * sizeof(float));
  }
  expert_gemms(s, d.experts, {s, s.xg.data(), d.hidden, w13, b13, s.gu.data(), 2 * d.inter});
  if (params.activation == MoeActivation::silu) silu_rows(s.gu.data(), pairs, d.inter, s.act.data());
  else swiglu_oai_rows(s.gu.data(), pairs, d.inter, params.alpha, params.limit, s.act.data());
  expert_gemms(s, d.experts, {s, s.act.data(), d.inter, w2, b2, s.y.data(), d.hidden});

  float* op = out.ptr<float>();
  if (!params.accumulate)
    for (int64_t t = 0; t < d.tokens; ++t) std::fill_n(op + t * out.stride(0), d.hidden, 0.0f);
  for (int64_t r = 0; r < pairs; ++r) {
    const int64_t p = s.order[r];
    const float w = weight_at(p);
    float* dst = op + p / d.top_k * out.stride(0);
    const float* src = s.y.data() + r * d.hidden;
    for (int64_t h = 0; h < d.hidden; ++h) dst[h] += w * src[h];
  }
}

}  // namespace hipserve
