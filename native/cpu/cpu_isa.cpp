#include "cpu_isa.h"

#include <cstdlib>
#include <cstring>

#include "hipserve/ops.h"
#include "thread_pool.h"

namespace hipserve::cpu {

Isa detected_isa() {
#if defined(__x86_64__) || defined(_M_X64)
#if defined(HS_HAVE_AVX512)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return Isa::avx512;
#endif
#if defined(HS_HAVE_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
    return Isa::avx2;
#endif
  return Isa::scalar;
#elif defined(__aarch64__) && defined(HS_HAVE_NEON)
  return Isa::neon;
#else
  return Isa::scalar;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::neon: return "neon";
    case Isa::scalar: return "scalar";
  }
  return "scalar";
}

static Isa compute_active_isa() {
  Isa best = detected_isa();
  const char* cap = std::getenv("HIPSERVE_CPU_ISA");
  if (cap == nullptr || *cap == '\0') return best;
  for (Isa isa : {Isa::scalar, Isa::neon, Isa::avx2, Isa::avx512}) {
    if (std::strcmp(cap, isa_name(isa)) == 0) {
      if (isa == Isa::neon && best != Isa::neon) return Isa::scalar;
      if (best == Isa::neon && isa != Isa::scalar) return best;
      return static_cast<int>(isa) < static_cast<int>(best) ? isa : best;
    }
  }
  return best;
}

Isa active_isa() {
  static const Isa isa = compute_active_isa();
  return isa;
}

}  // namespace hipserve::cpu

namespace hipserve {
void set_num_threads(int n) { cpu::set_num_threads(n); }
int num_threads() { return cpu::num_threads(); }
const char* cpu_isa() { return cpu::isa_name(cpu::active_isa()); }
}  // namespace hipserve
