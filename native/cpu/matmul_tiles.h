// matmul's micro-kernels, written once over a small vector interface V and instantiated by each
// matmul_<isa>.cpp with its own V (that file is compiled with its ISA's flags). Everything here has
// internal linkage, so code built for one instruction set can never be linked into another's path.
//
// V provides: kLanes; reg; zero(); load(const float* | const Bf16* | const F16*) -> kLanes f32 values;
// fma(a, b, acc) = acc + a * b; add(a, b); broadcast(const float*); store(float*, reg);
// reduce(reg) -> float (sum of the lanes); prefetch(const void*).
#pragma once
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "matmul_kernels.h"

namespace hipserve::cpu {
namespace {

// Weight element types, distinct so that V::load can overload on them.
struct Bf16 {
  uint16_t bits;
};
struct F16 {
  uint16_t bits;
};

// The dot path's tiles: GEMV streams kGemvRowsW weight rows at once, two accumulators each; a batch of
// M > 1 uses kDotRowsX rows of x × kDotRowsW weight rows. Thread shares are multiples of kGemvRowsW rows.
constexpr int kGemvRowsW = 8;
constexpr int kDotRowsX = 4;
constexpr int kDotRowsW = 4;
static_assert(kGemvRowsW % kDotRowsW == 0, "thread shares must hold whole tiles of both shapes");

// Loads count (< kLanes) elements, the rest zero, without touching memory past p + count.
template <class V, class T>
typename V::reg load_partial(const T* p, int64_t count) {
  T tmp[V::kLanes];
  std::memset(static_cast<void*>(tmp), 0, sizeof(tmp));
  std::memcpy(static_cast<void*>(tmp), p, static_cast<size_t>(count) * sizeof(T));
  return V::load(tmp);
}

// sums[i][j] = dot(xr[i][0:k], wr[j][0:k]). U independent accumulators per pair hide the FMA latency
// when there are few pairs (GEMV).
template <class V, class W, int MR, int NR, int U>
inline void dot_tile(const float* const (&xr)[MR], const W* const (&wr)[NR], int64_t k, float (&sums)[MR][NR]) {
  using R = typename V::reg;
  constexpr int64_t L = V::kLanes;
  R acc[MR][NR][U];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j)
      for (int u = 0; u < U; ++u) acc[i][j][u] = V::zero();
  int64_t kk = 0;
  for (; kk + U * L <= k; kk += U * L) {
    R xv[MR][U];
    for (int i = 0; i < MR; ++i)
      for (int u = 0; u < U; ++u) xv[i][u] = V::load(xr[i] + kk + u * L);
    for (int j = 0; j < NR; ++j)
      for (int u = 0; u < U; ++u) {
        R wv = V::load(wr[j] + kk + u * L);
        for (int i = 0; i < MR; ++i) acc[i][j][u] = V::fma(xv[i][u], wv, acc[i][j][u]);
      }
  }
  for (; kk < k; kk += L) {
    const int64_t count = std::min<int64_t>(L, k - kk);
    R xv[MR];
    for (int i = 0; i < MR; ++i) xv[i] = load_partial<V>(xr[i] + kk, count);
    for (int j = 0; j < NR; ++j) {
      R wv = load_partial<V>(wr[j] + kk, count);
      for (int i = 0; i < MR; ++i) acc[i][j][0] = V::fma(xv[i], wv, acc[i][j][0]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      R s = acc[i][j][0];
      for (int u = 1; u < U; ++u) s = V::add(s, acc[i][j][u]);
      sums[i][j] = V::reduce(s);
    }
}

// out[m0 : m0 + MR, n0 : n0 + nr) for one group of x rows; missing rows/columns (tails) repeat the last
// valid pointer and their sums are dropped.
template <class V, class W, int MR, int NR, int U>
void dot_group(const MatmulProblem& p, const W* const (&wr)[NR], int64_t n0, int64_t nr, int64_t m0) {
  const int64_t mr = std::min<int64_t>(MR, p.m - m0);
  const float* xr[MR];
  for (int i = 0; i < MR; ++i) xr[i] = p.x + (m0 + std::min<int64_t>(i, mr - 1)) * p.x_stride;
  float sums[MR][NR];
  dot_tile<V, W, MR, NR, U>(xr, wr, p.k, sums);
  for (int64_t i = 0; i < mr; ++i) {
    float* o = p.out + (m0 + i) * p.out_stride + n0;
    for (int64_t j = 0; j < nr; ++j) o[j] = sums[i][j] + (p.bias ? p.bias[n0 + j] : 0.0f);
  }
}

template <class V, class W, int NR>
void dot_panel(const MatmulProblem& p, int64_t n_begin, int64_t n_end) {
  const W* w = static_cast<const W*>(p.w);
  for (int64_t n0 = n_begin; n0 < n_end; n0 += NR) {
    const int64_t nr = std::min<int64_t>(NR, n_end - n0);
    const W* wr[NR];
    for (int j = 0; j < NR; ++j) wr[j] = w + (n0 + std::min<int64_t>(j, nr - 1)) * p.w_stride;
    if (p.m == 1) {
      dot_group<V, W, 1, NR, 2>(p, wr, n0, nr, 0);
      continue;
    }
    // The weight rows just streamed stay in cache for the following groups of x rows.
    for (int64_t m0 = 0; m0 < p.m; m0 += kDotRowsX) {
      switch (std::min<int64_t>(kDotRowsX, p.m - m0)) {
        case 1: dot_group<V, W, 1, NR, 1>(p, wr, n0, nr, m0); break;
        case 2: dot_group<V, W, 2, NR, 1>(p, wr, n0, nr, m0); break;
        case 3: dot_group<V, W, 3, NR, 1>(p, wr, n0, nr, m0); break;
        default: dot_group<V, W, kDotRowsX, NR, 1>(p, wr, n0, nr, m0); break;
      }
    }
  }
}

// acc[i * ld + c * kPackRows + r] += dot(wf row i, packed x row r of block c) over k, for C consecutive
// blocks of packed x (block_stride floats apart).
template <class V, int MRN, int C>
inline void blocked_tile(const float* wf, int64_t ldw, const float* xp, int64_t block_stride, int64_t k,
                         float* acc_out, int64_t ld) {
  using R = typename V::reg;
  constexpr int VB = static_cast<int>(kPackRows / V::kLanes);
  static_assert(VB * V::kLanes == kPackRows, "kPackRows must be a multiple of the vector width");
  R acc[MRN][C * VB];
  for (int i = 0; i < MRN; ++i)
    for (int j = 0; j < C * VB; ++j) acc[i][j] = V::load(acc_out + i * ld + j * V::kLanes);
  for (int64_t kk = 0; kk < k; ++kk) {
    R xv[C * VB];
    for (int c = 0; c < C; ++c)
      for (int v = 0; v < VB; ++v) xv[c * VB + v] = V::load(xp + c * block_stride + kk * kPackRows + v * V::kLanes);
    for (int i = 0; i < MRN; ++i) {
      R b = V::broadcast(wf + i * ldw + kk);
      for (int j = 0; j < C * VB; ++j) acc[i][j] = V::fma(xv[j], b, acc[i][j]);
    }
  }
  for (int i = 0; i < MRN; ++i)
    for (int j = 0; j < C * VB; ++j) V::store(acc_out + i * ld + j * V::kLanes, acc[i][j]);
}

// dst[r, 0:k] = f32(w[r, 0:k]) (row stride ld) for r < rows, zero for rows..rows_padded. Prefetches the same
// columns `ahead` rows further on (the next panel): these short row slices are too short for the hardware
// prefetcher to catch on.
template <class V, class W>
void widen_rows(const W* w, int64_t w_stride, int64_t rows, int64_t rows_padded, int64_t k, float* dst, int64_t ld,
                int64_t ahead) {
  constexpr int64_t L = V::kLanes;
  constexpr int64_t kLine = 64 / static_cast<int64_t>(sizeof(W));
  for (int64_t r = 0; r < rows; ++r) {
    const W* src = w + r * w_stride;
    float* d = dst + r * ld;
    for (int64_t kk = 0; kk < k; kk += kLine) V::prefetch(src + ahead * w_stride + kk);
    int64_t kk = 0;
    for (; kk + L <= k; kk += L) V::store(d + kk, V::load(src + kk));
    if (kk < k) {
      float tmp[L];
      V::store(tmp, load_partial<V>(src + kk, k - kk));
      std::memcpy(d + kk, tmp, static_cast<size_t>(k - kk) * sizeof(float));
    }
  }
  std::fill(dst + rows * ld, dst + rows_padded * ld, 0.0f);
}

// Cache blocking of the blocked path. A thread walks its weight rows in chunks of kBlockedChunkPanels panels; for
// each chunk it sweeps K in slices of kSliceK, so that one slice of packed x (M × kSliceK) stays in L2 and
// one panel slice of weights (MRN × kSliceK) in L1 while every tile of x rows uses it. Partial sums wait in
// a per-thread buffer [chunk rows][M] until the last slice.
constexpr int64_t kSliceK = 512;
// Row stride of the widened weight slice: one cache line more than kSliceK, so its rows do not all fall
// into the same few L1 sets.
constexpr int64_t kWidenedStride = kSliceK + 16;

template <class V, class W, int MRN, int C>
void blocked_panel(const MatmulProblem& p, int64_t n_begin, int64_t n_end) {
  thread_local std::vector<float> widened, partial;  // reused across calls
  const W* w = static_cast<const W*>(p.w);
  const int64_t blocks = (p.m + kPackRows - 1) / kPackRows;
  const int64_t m_pad = blocks * kPackRows;
  const int64_t block_stride = p.k * kPackRows;
  widened.resize(static_cast<size_t>(MRN * kWidenedStride));
  partial.resize(static_cast<size_t>(kBlockedChunkPanels * MRN * m_pad));
  for (int64_t c0 = n_begin; c0 < n_end; c0 += kBlockedChunkPanels * MRN) {
    const int64_t c1 = std::min(n_end, c0 + kBlockedChunkPanels * MRN);
    std::fill(partial.begin(), partial.end(), 0.0f);
    for (int64_t k0 = 0; k0 < p.k; k0 += kSliceK) {
      const int64_t kb = std::min(kSliceK, p.k - k0);
      for (int64_t n0 = c0; n0 < c1; n0 += MRN) {
        const int64_t nr = std::min<int64_t>(MRN, c1 - n0);
        const float* wf = widened.data();
        int64_t ldw = kWidenedStride;
        if (std::is_same_v<W, float> && nr == MRN) {
          wf = reinterpret_cast<const float*>(w + n0 * p.w_stride + k0);
          ldw = p.w_stride;
        } else {
          widen_rows<V>(w + n0 * p.w_stride + k0, p.w_stride, nr, MRN, kb, widened.data(), kWidenedStride, MRN);
        }
        float* acc = partial.data() + (n0 - c0) * m_pad;
        for (int64_t b = 0; b < blocks; b += C) {
          const float* xp = p.x_packed + b * block_stride + k0 * kPackRows;
          if (blocks - b >= C)
            blocked_tile<V, MRN, C>(wf, ldw, xp, block_stride, kb, acc + b * kPackRows, m_pad);
          else
            blocked_tile<V, MRN, 1>(wf, ldw, xp, block_stride, kb, acc + b * kPackRows, m_pad);
        }
      }
    }
    for (int64_t m = 0; m < p.m; ++m) {
      float* o = p.out + m * p.out_stride;
      for (int64_t n = c0; n < c1; ++n) o[n] = partial[(n - c0) * m_pad + m] + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

template <class V, template <class, class> class Panel>
void for_weight_dtype(const MatmulProblem& p, int64_t n_begin, int64_t n_end) {
  switch (p.w_dtype) {
    case DType::bf16: return Panel<V, Bf16>::run(p, n_begin, n_end);
    case DType::f16: return Panel<V, F16>::run(p, n_begin, n_end);
    default: return Panel<V, float>::run(p, n_begin, n_end);  // the entry admits only f32 besides
  }
}

template <class V, class W>
struct DotPanel {
  static void run(const MatmulProblem& p, int64_t b, int64_t e) {
    if (p.m == 1)
      dot_panel<V, W, kGemvRowsW>(p, b, e);
    else
      dot_panel<V, W, kDotRowsW>(p, b, e);
  }
};

// The blocked micro-kernel's shape per ISA: MRN weight rows × C packed blocks of x rows.
template <int MRN, int C>
struct BlockedShape {
  template <class V, class W>
  struct Panel {
    static void run(const MatmulProblem& p, int64_t b, int64_t e) { blocked_panel<V, W, MRN, C>(p, b, e); }
  };
};

template <class V, int MRN, int C>
MatmulIsaKernels make_matmul_kernels() {
  return MatmulIsaKernels{
      &for_weight_dtype<V, DotPanel>,
      &for_weight_dtype<V, BlockedShape<MRN, C>::template Panel>,
      kGemvRowsW,
      MRN,
  };
}

}  // namespace
}  // namespace hipserve::cpu
