# The common start of the GPU-machine scripts in test/gpu, sourced after `set -uo pipefail`:
#   source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" <bundle> [--bare]
# Sets $out ($OUT or /tmp/out) and creates it, puts the bundle's Node.js first on PATH (setup.sh), unpacks its
# node_modules (nm.tar.xz) and makes libcublasLt.so.13 findable. Then, unless --bare: exports HIPSERVE_ADDON as
# build-cuda's addon and writes the GPU's name, memory and driver to $out/gpu.txt (and stdout). --bare (for
# scripts that choose their addons and describe the GPU themselves) also silences setup.sh.
out="${OUT:-/tmp/out}"
mkdir -p "$out"
if [ "${2:-}" = --bare ]; then
  source "$1/setup.sh" >/dev/null
else
  source "$1/setup.sh"
fi
tar -xJf "$1/nm.tar.xz"
if [ "${2:-}" != --bare ]; then
  export HIPSERVE_ADDON=build-cuda/Release/hipserve.node
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
fi
# The addon loads libcublasLt (gpuMatmul) with dlopen, and the GPU machine keeps it outside the loader's default
# path: where the loader does not know one, use the toolkit's or torch's.
if ! ldconfig -p | grep -q 'libcublasLt\.so\.13'; then
  sites=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null)
  lib=$(find /usr/local/cuda* $sites -name 'libcublasLt.so.13*' 2>/dev/null | head -1)
  [ -n "$lib" ] && export LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
