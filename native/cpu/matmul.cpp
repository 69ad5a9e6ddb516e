// matmul entry (validation) and launcher (ISA choice, x packing, split over output features).
// The micro-kernels live in matmul_tiles.h, instantiated per instruction set by matmul_<isa>.cpp.
#include <algorithm>
#include <atomic>
#include <vector>

#include "checks.h"
#include "cpu_isa.h"
#include "hipserve/ops.h"
#include "matmul_kernels.h"
#include "thread_pool.h"

namespace hipserve {
namespace cpu {
namespace {

// From this many rows of x on, the blocked (outer-product) kernel beats streaming dot products. 16-bit
// weights switch later because the blocked kernel first widens them to f32 (measured on Zen 5, AVX-512:
// at M = 16..24 the dot path is ~20% faster for bf16 and ~20% slower for f32; even from M = 32 on).
int64_t blocked_min_rows(DType w_dtype) { return w_dtype == DType::f32 ? 16 : 32; }
// Rows of x packed and multiplied per pass: bounds the packed copy (kMaxPassRows × K floats).
constexpr int64_t kMaxPassRows = 256;
// Below this many multiply-adds per thread share, threads cost more than they save.
constexpr int64_t kMinWorkPerThread = 1 << 16;
// Work is handed out in about this many runs per thread.
constexpr int64_t kClaimsPerThread = 8;

HS_MULTIVERSION
void pack_x(const float* x, int64_t x_stride, int64_t m, int64_t k, float* packed) {
  const int64_t blocks = (m + kPackRows - 1) / kPackRows;
  for (int64_t b = 0; b < blocks; ++b) {
    float* dst = packed + b * k * kPackRows;
    for (int64_t r = 0; r < kPackRows; ++r) {
      const int64_t row = b * kPackRows + r;
      if (row < m) {
        const float* src = x + row * x_stride;
        for (int64_t kk = 0; kk < k; ++kk) dst[kk * kPackRows + r] = src[kk];
      } else {
        for (int64_t kk = 0; kk < k; ++kk) dst[kk * kPackRows + r] = 0.0f;
      }
    }
  }
}

// Runs panel() over [0, n) in runs of `rows` weight rows that the threads claim one after another, so a
// thread that is descheduled (a busy machine) delays the call by one run rather than by half of the work.
void split_over_n(const MatmulProblem& p, int64_t rows, MatmulPanelFn panel) {
  struct Claims {
    const MatmulProblem& p;
    int64_t rows, units, per_claim;
    MatmulPanelFn panel;
    std::atomic<int64_t> next{0};
    void run() {
      for (int64_t u; (u = next.fetch_add(per_claim)) < units;)
        panel(p, u * rows, std::min((u + per_claim) * rows, p.n));
    }
  };
  const int64_t units = (p.n + rows - 1) / rows;
  const int64_t threads = num_threads();
  const int64_t min_units = std::max<int64_t>(1, kMinWorkPerThread / std::max<int64_t>(1, rows * p.k * p.m));
  Claims claims{p, rows, units, std::max(min_units, units / (threads * kClaimsPerThread)), panel};
  const int64_t workers = std::min(threads, (units + min_units - 1) / min_units);
  // One captured reference keeps the std::function free of heap allocation.
  parallel_for(workers, 1, [&claims](int64_t, int64_t) { claims.run(); });
}

// K = 0: an empty sum, so out is the bias (or zero).
void fill_with_bias(const MatmulProblem& p) {
  for (int64_t m = 0; m < p.m; ++m)
    for (int64_t n = 0; n < p.n; ++n) p.out[m * p.out_stride + n] = p.bias ? p.bias[n] : 0.0f;
}

void matmul_launch(MatmulProblem p) {
  if (p.k == 0) return fill_with_bias(p);
  const MatmulIsaKernels& kernels = matmul_kernels_for(active_isa());
  if (p.m < blocked_min_rows(p.w_dtype)) {
    split_over_n(p, kernels.dot_rows, kernels.dot);
    return;
  }
  thread_local std::vector<float> packed;  // reused by later calls on this thread
  const int64_t total_m = p.m;
  const float* x = p.x;
  float* out = p.out;
  for (int64_t m0 = 0; m0 < total_m; m0 += kMaxPassRows) {
    p.m = std::min(kMaxPassRows, total_m - m0);
    p.x = x + m0 * p.x_stride;
    p.out = out + m0 * p.out_stride;
    packed.resize(static_cast<size_t>((p.m + kPackRows - 1) / kPackRows * kPackRows * p.k));
    pack_x(p.x, p.x_stride, p.m, p.k, packed.data());
    p.x_packed = packed.data();
    split_over_n(p, kernels.blocked_rows * kBlockedChunkPanels, kernels.blocked);
  }
}

// [begin, end) byte range covered by a 2-D (or 1-D) view with dense rows.
struct ByteRange {
  const char* begin;
  const char* end;
};

ByteRange byte_range(const TensorView& t) {
  const char* base = static_cast<const char*>(t.data);
  int64_t last = 0;
  for (int i = 0; i < t.ndim; ++i) last += (t.shape[i] - 1) * t.strides[i];
  return {base, base + (last + 1) * static_cast<int64_t>(dtype_size(t.dtype))};
}

bool overlaps(const TensorView& a, const TensorView& b) {
  ByteRange ra = byte_range(a), rb = byte_range(b);
  return ra.begin < rb.end && rb.begin < ra.end;
}

}  // namespace

const MatmulIsaKernels& matmul_kernels_for(Isa isa) {
  switch (isa) {
#if defined(HS_HAVE_AVX512)
    case Isa::avx512: return matmul_kernels_avx512();
#endif
#if defined(HS_HAVE_AVX2)
    case Isa::avx2: return matmul_kernels_avx2();
#endif
#if defined(HS_HAVE_NEON)
    case Isa::neon: return matmul_kernels_neon();
#endif
    default: return matmul_kernels_scalar();
  }
}

}  // namespace cpu

void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out) {
  using namespace cpu;
  check_host_rows(x, "x", 2, {DType::f32});
  check_host_rows(w, "w", 2, {DType::f32, DType::f16, DType::bf16});
  check_host_rows(out, "out", 2, {DType::f32});
  const int64_t m = x.size(0), k = x.size(1), n = w.size(0);
  check_dim(w, "w", 1, k);
  check_dim(out, "out", 0, m);
  check_dim(out, "out", 1, n);
  if (bias != nullptr) {
    check_host_rows(*bias, "bias", 1, {DType::f32});
    check_dim(*bias, "bias", 0, n);
  }
  HS_CHECK(m > 0, empty_batch, "x: no rows to multiply");
  HS_CHECK(n > 0, empty_batch, "w: no output features");
  HS_CHECK(m == 1 || out.stride(0) >= n, invalid_argument, "out: rows overlap (row stride < " << n << ")");
  if (k > 0) {
    HS_CHECK(!overlaps(out, x), invalid_argument, "out must not overlap x");
    HS_CHECK(!overlaps(out, w), invalid_argument, "out must not overlap w");
  }
  HS_CHECK(bias == nullptr || !overlaps(out, *bias), invalid_argument, "out must not overlap bias");

  MatmulProblem p;
  p.x = x.ptr<float>();
  p.x_stride = x.stride(0);
  p.w = w.data;
  p.w_dtype = w.dtype;
  p.w_stride = w.stride(0);
  p.bias = bias ? bias->ptr<float>() : nullptr;
  p.out = out.ptr<float>();
  p.out_stride = out.stride(0);
  p.m = m;
  p.n = n;
  p.k = k;
  matmul_launch(p);
}

}  // namespace hipserve
