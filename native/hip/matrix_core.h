// Matrix-core tiles for one wave: C[16, 16] (f32) += A[16, 16] · B[16, 16] with A and B in bf16 or f16, read
// from shared memory. The one place that knows the vendors' fragment layouts:
//   NVIDIA (sm_80+, wave 32): two mma.sync m16n8k16 per tile, fragments loaded with ldmatrix;
//   AMD CDNA (gfx90a, gfx94x, gfx950, wave 64): one v_mfma_f32_16x16x16{bf16_1k,f16} per tile.
// Kernels see only: load_a / load_b (from shared memory), mma<T>, and the accumulator's element map
// (accum_row/accum_col of element i in this lane) with the lanes that share a row (kRowLanes consecutive lanes,
// so group_max<kRowLanes>/group_sum<kRowLanes> reduce a row).
//
//   A tile: A[m][k] at a[m * ld + k] (row-major).
//   B tile: B[k][n] at b[n * ld + k] (stored transposed: each of B's columns is a contiguous row, as K rows are
//           for Q·Kᵀ). ld is in elements; ld * 2 bytes and the tile start must be multiples of 16 bytes.
//   load_b_trans: B[k][n] at b[k * ld + n] (row-major, as V rows are for P·V), same alignment.
#pragma once
#include <cstdint>
#include <type_traits>

#include "hip/dtypes.h"
#include "platform/arch.h"

namespace hipserve::gpu::mc {

constexpr int kDim = 16;  // M = N = K of one tile operation

#if defined(HS_GPU_DEVICE_CODE)

#if defined(HS_GPU_CUDA)

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#error "matrix_core.h: bf16/f16 mma.sync m16n8k16 needs sm_80 or later"
#endif

// Lane l = 4g + t (g = l / 4, t = l % 4). Accumulator element i = 4h + j (h: which n8 half of the tile):
//   row g + 8 * (j / 2), column 8h + 2t + j % 2.
constexpr int kAccumElems = 8;
constexpr int kAccumRows = 2;  // distinct rows per lane; accum_slot(i) picks one
constexpr int kRowLanes = 4;

struct FragA {
  uint32_t r[4];
};
struct FragB {
  uint32_t r[4];  // {b0, b1} of columns 0-7, then of columns 8-15
};

__device__ __forceinline__ int lane_id() { return threadIdx.x % HS_WAVE_SIZE; }
__device__ __forceinline__ int accum_row(int i) { return lane_id() / 4 + 8 * ((i >> 1) & 1); }
__device__ __forceinline__ int accum_col(int i) { return 8 * (i >> 2) + 2 * (lane_id() % 4) + (i & 1); }
__device__ __forceinline__ constexpr int accum_slot(int i) { return (i >> 1) & 1; }

__device__ __forceinline__ void ldmatrix_x4(const void* p, uint32_t (&r)[4]) {
  const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// ldmatrix x4: lanes 8q..8q+7 give the row addresses of 8x8 matrix q, and register q of each lane receives
// two elements of matrix q (row lane / 4, columns 2 (lane % 4) and +1) — the mma fragment layout.
template <typename T>
__device__ __forceinline__ FragA load_a(const T* a, int ld) {
  const int l = lane_id(), q = l / 8;
  FragA f;  // matrices: rows 0-7 | rows 8-15, each for columns 0-7 then 8-15
  ldmatrix_x4(a + (l % 8 + 8 * (q & 1)) * ld + 8 * (q >> 1), f.r);
  return f;
}

template <typename T>
__device__ __forceinline__ FragB load_b(const T* b, int ld) {
  const int l = lane_id(), q = l / 8;
  FragB f;  // matrices: (n 0-7, k 0-7), (n 0-7, k 8-15), (n 8-15, k 0-7), (n 8-15, k 8-15)
  ldmatrix_x4(b + (l % 8 + 8 * (q >> 1)) * ld + 8 * (q & 1), f.r);
  return f;
}

__device__ __forceinline__ void ldmatrix_x4_trans(const void* p, uint32_t (&r)[4]) {
  const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// .trans: lane l receives elements (row 2 (l % 4) and +1, column l / 4) of each 8x8 matrix; with the rows being
// k, that is the B fragment of load_b. Same matrix order: (n 0-7 | 8-15) × (k 0-7 | 8-15).
template <typename T>
__device__ __forceinline__ FragB load_b_trans(const T* b, int ld) {
  const int l = lane_id(), q = l / 8;
  FragB f;
  ldmatrix_x4_trans(b + (l % 8 + 8 * (q & 1)) * ld + 8 * (q >> 1), f.r);
  return f;
}

template <typename T>
__device__ __forceinline__ void mma_m16n8k16(float* c, const uint32_t (&a)[4], uint32_t b0, uint32_t b1);

template <>
__device__ __forceinline__ void mma_m16n8k16<bf16>(float* c, const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <>
__device__ __forceinline__ void mma_m16n8k16<f16>(float* c, const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

struct Accum {
  float x[kAccumElems];
};

template <typename T>
__device__ __forceinline__ void mma(Accum& c, const FragA& a, const FragB& b) {
  mma_m16n8k16<T>(c.x, a.r, b.r[0], b.r[1]);
  mma_m16n8k16<T>(c.x + 4, a.r, b.r[2], b.r[3]);
}

// Orders this wave's shared-memory writes before its later reads (the lanes of a wave may diverge on NVIDIA).
__device__ __forceinline__ void wave_sync() { __syncwarp(); }

// Register-fed tiles (see stream_frag below): lane 4g + t loads rows (or B columns) g and g + 8 at k = 8t.
constexpr int kStreamLines = 2;
__device__ __forceinline__ int stream_line(int j) { return lane_id() / 4 + 8 * j; }
__device__ __forceinline__ int stream_k() { return 8 * (lane_id() % 4); }

// Step s of a chunk: logical k {2t, 2t + 1, 2t + 8, 2t + 9} of lane t are elements 4s .. 4s + 3 of its loads.
__device__ __forceinline__ FragA stream_frag_a(const uint4 (&v)[kStreamLines], int s) {
  const uint32_t* r0 = reinterpret_cast<const uint32_t*>(&v[0]);
  const uint32_t* r1 = reinterpret_cast<const uint32_t*>(&v[1]);
  return FragA{{r0[2 * s], r1[2 * s], r0[2 * s + 1], r1[2 * s + 1]}};
}
__device__ __forceinline__ FragB stream_frag_b(const uint4 (&v)[kStreamLines], int s) {
  const uint32_t* c0 = reinterpret_cast<const uint32_t*>(&v[0]);
  const uint32_t* c1 = reinterpret_cast<const uint32_t*>(&v[1]);
  return FragB{{c0[2 * s], c0[2 * s + 1], c1[2 * s], c1[2 * s + 1]}};
}

// lo and hi rounded to T (to nearest even) in one instruction, lo in the low half: from_float<T> of each, packed
// (but for a NaN's payload).
template <typename T>
__device__ __forceinline__ uint32_t pack_rounded(float lo, float hi) {
  uint32_t r;
  if constexpr (std::is_same_v<T, bf16>)
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  else
    asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

// The accumulator rounded to T as an A operand (P of P·V from the scores S): the m16n8 accumulator layout is the
// A fragment's, so it stays in registers (scratch unused; see the AMD version).
template <typename T>
__device__ __forceinline__ FragA accum_to_a(const Accum& c, T*, int) {
  auto pack = [&](int i) { return pack_rounded<T>(c.x[i], c.x[i + 1]); };
  return FragA{{pack(0), pack(2), pack(4), pack(6)}};
}

#else  // AMD

#if defined(__HIP_DEVICE_COMPILE__) && !(defined(__gfx90a__) || defined(__gfx940__) || defined(__gfx941__) || \
                                         defined(__gfx942__) || defined(__gfx950__))
#error "matrix_core.h: MFMA 16x16x16 bf16_1k/f16 needs gfx90a, gfx94x or gfx950"
#endif

// Lane l: A row l % 16 and B column l % 16, k = 4 (l / 16) .. +3 (4 consecutive elements, one 8-byte load);
// accumulator element i: row 4 (l / 16) + i, column l % 16.
constexpr int kAccumElems = 4;
constexpr int kAccumRows = 4;
constexpr int kRowLanes = 16;

struct FragA {
  uint2 r;
};
using FragB = FragA;

__device__ __forceinline__ int lane_id() { return threadIdx.x % HS_WAVE_SIZE; }
__device__ __forceinline__ int accum_row(int i) { return 4 * (lane_id() / 16) + i; }
__device__ __forceinline__ int accum_col(int) { return lane_id() % 16; }
__device__ __forceinline__ constexpr int accum_slot(int i) { return i; }

template <typename T>
__device__ __forceinline__ FragA load_a(const T* a, int ld) {
  const int l = lane_id();
  return FragA{*reinterpret_cast<const uint2*>(a + (l % 16) * ld + 4 * (l / 16))};
}

template <typename T>
__device__ __forceinline__ FragB load_b(const T* b, int ld) {
  return load_a(b, ld);  // the B layout mirrors A's with n in place of m
}

// Lane l gathers column l % 16 at k = 4 (l / 16) .. +3 from a row-major B.
template <typename T>
__device__ __forceinline__ FragB load_b_trans(const T* b, int ld) {
  const int l = lane_id();
  const uint16_t* p = reinterpret_cast<const uint16_t*>(b) + 4 * (l / 16) * ld + l % 16;
  const uint32_t lo = p[0] | (static_cast<uint32_t>(p[ld]) << 16);
  const uint32_t hi = p[2 * ld] | (static_cast<uint32_t>(p[3 * ld]) << 16);
  return FragB{make_uint2(lo, hi)};
}

struct Accum {
  float x[kAccumElems];
};

typedef float mfma_f32x4 __attribute__((ext_vector_type(4)));
typedef short mfma_bf16x4 __attribute__((ext_vector_type(4)));
typedef _Float16 mfma_f16x4 __attribute__((ext_vector_type(4)));

template <typename V>
__device__ __forceinline__ V as_vec(uint2 r) {
  union {
    uint2 raw;
    V v;
  } u{r};
  return u.v;
}

template <typename T>
__device__ __forceinline__ void mma(Accum& c, const FragA& a, const FragB& b) {
#if defined(__HIP_DEVICE_COMPILE__)
  mfma_f32x4 acc = {c.x[0], c.x[1], c.x[2], c.x[3]};
  if constexpr (std::is_same_v<T, bf16>)
    acc = __builtin_amdgcn_mfma_f32_16x16x16bf16_1k(as_vec<mfma_bf16x4>(a.r), as_vec<mfma_bf16x4>(b.r), acc, 0, 0, 0);
  else
    acc = __builtin_amdgcn_mfma_f32_16x16x16f16(as_vec<mfma_f16x4>(a.r), as_vec<mfma_f16x4>(b.r), acc, 0, 0, 0);
#pragma unroll
  for (int i = 0; i < kAccumElems; ++i) c.x[i] = acc[i];
#endif
}

// A wave runs in lockstep on CDNA; the fences keep the compiler from moving shared-memory accesses across.
__device__ __forceinline__ void wave_sync() {
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "workgroup");
  __builtin_amdgcn_wave_barrier();
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "workgroup");
}

template <typename T>
__device__ __forceinline__ void store(const Accum& c, T* t, int ld);

// The accumulator rounded to T as an A operand (P of P·V from the scores S). MFMA's accumulator holds columns
// where A holds rows, so it goes through `scratch`, a wave-private 16 × 16 tile of T (row pitch ld), which the
// caller must not write again before its next wave_sync.
template <typename T>
__device__ __forceinline__ FragA accum_to_a(const Accum& c, T* scratch, int ld) {
  store<T>(c, scratch, ld);
  wave_sync();
  return load_a(scratch, ld);
}

// Register-fed tiles (see stream_frag below): lane l loads row (or B column) l % 16 at k = 8 (l / 16).
constexpr int kStreamLines = 1;
__device__ __forceinline__ int stream_line(int) { return lane_id() % 16; }
__device__ __forceinline__ int stream_k() { return 8 * (lane_id() / 16); }

// Step s of a chunk: logical k 4q .. 4q + 3 of lane l (q = l / 16) are elements 4s .. 4s + 3 of its load.
__device__ __forceinline__ FragA stream_frag_a(const uint4 (&v)[kStreamLines], int s) {
  const uint32_t* r = reinterpret_cast<const uint32_t*>(&v[0]);
  return FragA{make_uint2(r[2 * s], r[2 * s + 1])};
}
__device__ __forceinline__ FragB stream_frag_b(const uint4 (&v)[kStreamLines], int s) { return stream_frag_a(v, s); }

#endif  // vendor

// Register-fed tiles, for kernels that stream an operand straight from global memory (MoE decode): a chunk is 16
// rows × kStreamK k of A and the same k of B's 16 columns. Each lane loads 8 consecutive elements (16 bytes) of
// kStreamLines rows, stream_line(j), at k0 + stream_k(), and of the same-numbered B columns; stream_frag_a/_b(v, s)
// make the operands of the chunk's step s (kStreamSteps MMAs of k 16). The MMA sees each chunk's k in an order of
// its own, the same for A and B, so the products summed are exactly those of the chunk.
constexpr int kStreamK = 32;
constexpr int kStreamSteps = kStreamK / kDim;

__device__ __forceinline__ void zero(Accum& c) {
#pragma unroll
  for (int i = 0; i < kAccumElems; ++i) c.x[i] = 0.0f;
}

// Writes the tile, rounded to T, to t[row * ld + col].
template <typename T>
__device__ __forceinline__ void store(const Accum& c, T* t, int ld) {
#pragma unroll
  for (int i = 0; i < kAccumElems; ++i) t[accum_row(i) * ld + accum_col(i)] = from_float<T>(c.x[i]);
}

#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu::mc
