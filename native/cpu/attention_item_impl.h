// The paged-attention kernel, written once over a SIMD vector type V and instantiated per ISA by
// attention_item_{portable,avx2,avx512}.cpp. V (declared in an unnamed namespace there, so that every
// instantiation stays local to its file and its flags) provides:
//   reg, W (lanes), zero(), set1(f), load(p), store(p, r), add, sub, mul, fmadd(a, b, c) = a*b + c, max, min,
//   reduce_add(r), reduce_add4(r0, r1, r2, r3, float out[4]) (four sums), reduce_max(r), round(r) (to nearest),
//   pow2i(r) (2^r for integral r in [-126, 127]), zero_where_below(value, x, limit) (lanes where x < limit: 0).
//
// Per chunk of kKeyChunk keys and per KV head, the kernel computes the scores of all the item's rows
// (4 rows x 2 keys at a time), folds them into each row's online softmax (masking what a row's token may not
// see), then accumulates the values (4 rows at a time, accumulators in registers).
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>

#include "attention_item.h"

namespace hipserve::cpu {

// expf to about 2 ulp (Cephes polynomial), 0 below -87.3 (so -inf gives 0).
template <class V>
inline typename V::reg vexp(typename V::reg x) {
  using R = typename V::reg;
  R xc = V::min(V::max(x, V::set1(-87.3f)), V::set1(88.3f));
  R n = V::round(V::mul(xc, V::set1(1.44269504088896341f)));
  R r = V::fmadd(n, V::set1(-0.693359375f), xc);
  r = V::fmadd(n, V::set1(2.12194440e-4f), r);
  R poly = V::set1(1.9875691500e-4f);
  poly = V::fmadd(poly, r, V::set1(1.3981999507e-3f));
  poly = V::fmadd(poly, r, V::set1(8.3334519073e-3f));
  poly = V::fmadd(poly, r, V::set1(4.1665795894e-2f));
  poly = V::fmadd(poly, r, V::set1(1.6666665459e-1f));
  poly = V::fmadd(poly, r, V::set1(5.0000001201e-1f));
  R y = V::add(V::fmadd(V::mul(poly, r), r, r), V::set1(1.0f));
  return V::zero_where_below(V::mul(y, V::pow2i(n)), x, -87.3f);
}

// s[r * kKeyChunk + c] = q[r] · k[c] for R rows and C keys (R <= 4, C <= 2).
template <class V, int R, int C>
inline void dot_block(const float* const* k, const float* const* q, int64_t d_size, float* s) {
  typename V::reg acc[2][4];
  for (int c = 0; c < 2; ++c)
    for (int r = 0; r < 4; ++r) acc[c][r] = V::zero();
  int64_t d = 0;
  for (; d + V::W <= d_size; d += V::W) {
    typename V::reg kv[C];
    for (int c = 0; c < C; ++c) kv[c] = V::load(k[c] + d);
    for (int r = 0; r < R; ++r) {
      const typename V::reg qv = V::load(q[r] + d);
      for (int c = 0; c < C; ++c) acc[c][r] = V::fmadd(qv, kv[c], acc[c][r]);
    }
  }
  for (int c = 0; c < C; ++c) {
    float sums[4];
    V::reduce_add4(acc[c][0], acc[c][1], acc[c][2], acc[c][3], sums);
    for (int r = 0; r < R; ++r) {
      for (int64_t t = d; t < d_size; ++t) sums[r] += q[r][t] * k[c][t];
      s[r * kKeyChunk + c] = sums[r];
    }
  }
}

template <class V, int C>
inline void dot_rows(const float* const* k, const float* const* q, int rows, int64_t d_size, float* s) {
  switch (rows) {
    case 4: dot_block<V, 4, C>(k, q, d_size, s); break;
    case 3: dot_block<V, 3, C>(k, q, d_size, s); break;
    case 2: dot_block<V, 2, C>(k, q, d_size, s); break;
    default: dot_block<V, 1, C>(k, q, d_size, s); break;
  }
}

// acc[r] += Σ_{j < n} p[r * kKeyChunk + j] · v[j] for R rows sharing the value rows v[j] (+ offset), with
// the accumulators in registers so that each V line is loaded once.
template <class V, int R, int U>
inline void accumulate_lanes(float* acc, int64_t d_size, const float* p, const float* const* v, int64_t offset,
                             int64_t n, int64_t d) {
  constexpr int W = V::W;
  typename V::reg sum[R][U];
  for (int r = 0; r < R; ++r)
    for (int u = 0; u < U; ++u) sum[r][u] = V::load(acc + r * d_size + d + u * W);
  for (int64_t j = 0; j < n; ++j) {
    typename V::reg vj[U];
    for (int u = 0; u < U; ++u) vj[u] = V::load(v[j] + offset + d + u * W);
    for (int r = 0; r < R; ++r) {
      const typename V::reg w = V::set1(p[r * kKeyChunk + j]);
      for (int u = 0; u < U; ++u) sum[r][u] = V::fmadd(w, vj[u], sum[r][u]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int u = 0; u < U; ++u) V::store(acc + r * d_size + d + u * W, sum[r][u]);
}

template <class V, int R>
inline void accumulate_block(float* acc, int64_t d_size, const float* p, const float* const* v, int64_t offset,
                             int64_t n) {
  constexpr int W = V::W;
  int64_t d = 0;
  for (; d + 2 * W <= d_size; d += 2 * W) accumulate_lanes<V, R, 2>(acc, d_size, p, v, offset, n, d);
  for (; d + W <= d_size; d += W) accumulate_lanes<V, R, 1>(acc, d_size, p, v, offset, n, d);
  for (; d < d_size; ++d)
    for (int r = 0; r < R; ++r)
      for (int64_t j = 0; j < n; ++j) acc[r * d_size + d] += p[r * kKeyChunk + j] * v[j][offset + d];
}

template <class V>
inline void accumulate_rows(float* acc, int64_t d_size, const float* p, const float* const* v, int64_t offset,
                            int rows, int64_t n) {
  switch (rows) {
    case 4: accumulate_block<V, 4>(acc, d_size, p, v, offset, n); break;
    case 3: accumulate_block<V, 3>(acc, d_size, p, v, offset, n); break;
    case 2: accumulate_block<V, 2>(acc, d_size, p, v, offset, n); break;
    default: accumulate_block<V, 1>(acc, d_size, p, v, offset, n); break;
  }
}

template <class V>
inline void scale_row(float* x, float factor, int64_t n) {
  int64_t d = 0;
  typename V::reg f = V::set1(factor);
  for (; d + V::W <= n; d += V::W) V::store(x + d, V::mul(V::load(x + d), f));
  for (; d < n; ++d) x[d] *= factor;
}

// One row's chunk of raw scores s[0, kKeyChunk), of which it sees [a, b), folded into its online softmax
// state; s becomes the weights exp(score - max), 0 outside [a, b).
template <class V>
inline void online_softmax_step(const AttentionProblem& p, float* s, int64_t a, int64_t b, float* row_max,
                                float* row_sum, float* acc) {
  static_assert(kKeyChunk % V::W == 0, "the key chunk must be a whole number of vectors");
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  if (a >= b) {
    std::fill(s, s + kKeyChunk, 0.0f);
    return;
  }
  for (int64_t j = 0; j < a; ++j) s[j] = kNegInf;
  for (int64_t j = a; j < b; ++j) s[j] *= p.scale;
  if (p.softcap > 0.0f)
    for (int64_t j = a; j < b; ++j) s[j] = p.softcap * std::tanh(s[j] / p.softcap);
  for (int64_t j = b; j < kKeyChunk; ++j) s[j] = kNegInf;
  typename V::reg mx = V::set1(kNegInf);
  for (int64_t j = 0; j < kKeyChunk; j += V::W) mx = V::max(mx, V::load(s + j));
  const float chunk_max = V::reduce_max(mx);
  if (chunk_max > *row_max) {
    if (*row_sum > 0.0f) {
      const float alpha = std::exp(*row_max - chunk_max);
      *row_sum *= alpha;
      scale_row<V>(acc, alpha, p.head_size);
    }
    *row_max = chunk_max;
  }
  typename V::reg m = V::set1(*row_max), sum = V::zero();
  for (int64_t j = 0; j < kKeyChunk; j += V::W) {
    typename V::reg e = vexp<V>(V::sub(V::load(s + j), m));
    V::store(s + j, e);
    sum = V::add(sum, e);
  }
  *row_sum += V::reduce_add(sum);
}

template <class V>
void attend(const AttentionProblem& p, const AttentionItem& item, const AttendBuffers& out) {
  const int64_t d_size = p.head_size;
  const int64_t heads = item.heads_per_kv(), rows_per_kv = item.rows_per_kv(), rows = item.rows();
  const int64_t kv_heads = item.kv_head_end - item.kv_head_begin;
  std::fill(out.row_max, out.row_max + rows, -std::numeric_limits<float>::infinity());
  std::fill(out.row_sum, out.row_sum + rows, 0.0f);
  std::fill(out.acc, out.acc + rows * d_size, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    out.q_rows[r] = p.q + item.row_token(r) * p.q_token_stride + item.row_head(r, p.group_size) * p.q_head_stride;

  auto first_visible = [&](int64_t pos) {
    return p.sliding_window > 0 ? std::max<int64_t>(0, pos - p.sliding_window + 1) : int64_t{0};
  };
  const int32_t* table = p.block_tables + item.seq * p.block_table_stride;
  const int64_t key_lo = std::max(item.key_begin, first_visible(item.first_position));
  const int64_t key_hi = std::min(item.key_end, item.first_position + item.tokens());

  // k_rows[j] / v_rows[j]: key j0 + j at the item's first KV head; head kv is kv * head stride further.
  const float* k_rows[kKeyChunk];
  const float* v_rows[kKeyChunk];
  const float* k_base = p.key_cache + item.kv_head_begin * p.k_head_stride;
  const float* v_base = p.value_cache + item.kv_head_begin * p.v_head_stride;
  for (int64_t j0 = key_lo; j0 < key_hi; j0 += kKeyChunk) {
    const int64_t j1 = std::min(j0 + kKeyChunk, key_hi), n = j1 - j0;
    for (int64_t j = j0; j < j1; ++j) {
      const int64_t block = table[j / p.block_size], offset = j % p.block_size;
      k_rows[j - j0] = k_base + block * p.k_block_stride + offset * p.k_offset_stride;
      v_rows[j - j0] = v_base + block * p.v_block_stride + offset * p.v_offset_stride;
    }
    // Scores of every row for every key of the chunk (a row's unseen keys are masked below), key-major so
    // that a decode reads the K rows of all its heads in memory order.
    for (int64_t j = 0; j < n; j += 2) {
      const bool pair = j + 1 < n;
      for (int64_t kv = 0; kv < kv_heads; ++kv) {
        const float* k[2] = {k_rows[j] + kv * p.k_head_stride, pair ? k_rows[j + 1] + kv * p.k_head_stride : nullptr};
        for (int64_t r = kv * rows_per_kv; r < (kv + 1) * rows_per_kv; r += 4) {
          const int block_rows = static_cast<int>(std::min<int64_t>(4, (kv + 1) * rows_per_kv - r));
          float* s = out.scores + r * kKeyChunk + j;
          if (pair)
            dot_rows<V, 2>(k, out.q_rows + r, block_rows, d_size, s);
          else
            dot_rows<V, 1>(k, out.q_rows + r, block_rows, d_size, s);
        }
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t pos = item.first_position + r % rows_per_kv / heads;
      const int64_t a = std::max<int64_t>(0, first_visible(pos) - j0), b = std::min(n, pos + 1 - j0);
      online_softmax_step<V>(p, out.scores + r * kKeyChunk, a, b, out.row_max + r, out.row_sum + r,
                             out.acc + r * d_size);
    }
    for (int64_t kv = 0; kv < kv_heads; ++kv)
      for (int64_t r = kv * rows_per_kv; r < (kv + 1) * rows_per_kv; r += 4)
        accumulate_rows<V>(out.acc + r * d_size, d_size, out.scores + r * kKeyChunk, v_rows, kv * p.v_head_stride,
                           static_cast<int>(std::min<int64_t>(4, (kv + 1) * rows_per_kv - r)), n);
  }
}

}  // namespace hipserve::cpu
