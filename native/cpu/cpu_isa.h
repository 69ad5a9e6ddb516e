// Runtime CPU-feature dispatch. Hot kernels keep one implementation per instruction set in files named
// *_avx512.cpp, *_avx2.cpp, *_neon.cpp (CMake compiles each with its flags; never -march=native) and pick
// one with active_isa(). Simple loops use HS_MULTIVERSION, which lets the compiler clone them per ISA.
#pragma once

namespace hipserve::cpu {

enum class Isa { scalar = 0, neon = 1, avx2 = 2, avx512 = 3 };

Isa detected_isa();  // what this CPU and build support
Isa active_isa();    // detected_isa() capped by HIPSERVE_CPU_ISA
const char* isa_name(Isa isa);

}  // namespace hipserve::cpu

#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#define HS_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HS_MULTIVERSION
#endif
