#!/usr/bin/env bash
# Compiles every HIP source (native/hip/*.hip, native/runtime/*.hip) for AMD targets with Debian's hipcc
# (ROCm 5.2, clang 15), so HIP mistakes show without AMD hardware. Installs hipcc when missing (needs root).
# HIPSERVE_CHECK_ARCHS overrides the targets (default: gfx90a gfx940, the CDNA parts this hipcc knows).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v hipcc >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "check-hip-amd: hipcc is missing; install it with: apt-get install -y hipcc" >&2
    exit 1
  fi
  echo "check-hip-amd: installing hipcc" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q hipcc >/dev/null
fi

# hipcc picks NVIDIA when it finds nvcc; this check is for AMD.
export HIP_PLATFORM=amd
archs=()
for arch in ${HIPSERVE_CHECK_ARCHS:-gfx90a gfx940}; do archs+=("--offload-arch=$arch"); done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# One compile per core; each prints its own verdict, and any failure fails the check.
compile_one() {
  local src="$1" start=$SECONDS
  if hipcc -x hip -std=c++17 -O2 -Wall -Werror -DHS_GPU -DHS_GPU_ROCM $HS_ARCHS \
      -I native/include -I native -c "$src" -o "$HS_OUT/$(basename "$src").o"; then
    echo "ok   $src ($((SECONDS - start)) s)"
  else
    echo "FAIL $src" >&2
    return 1
  fi
}
export -f compile_one
export HS_ARCHS="${archs[*]}" HS_OUT="$out"

srcs=(native/hip/*.hip native/runtime/*.hip)
printf '%s\n' "${srcs[@]}" | xargs -P "$(nproc)" -I{} bash -c 'compile_one "$1"' _ {}
