#!/usr/bin/env bash
# Compiles the CUDA build of the addon (`npm run build:cuda`: HIPSERVE_GPU=cuda into build-cuda/) and loads it,
# so a CUDA compile error or an unresolved symbol fails CI even though CI has no GPU. Needs nvcc; fails loudly
# when it is missing (the CI machine has CUDA 13 in /usr/local).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvcc >/dev/null 2>&1; then
  for dir in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
    if [ -x "$dir/nvcc" ]; then export PATH="$dir:$PATH"; break; fi
  done
fi
if ! command -v nvcc >/dev/null 2>&1; then
  echo "check-cuda-build: FAILED: nvcc is not installed (neither on PATH nor in /usr/local/cuda*); install the" >&2
  echo "check-cuda-build: CUDA toolkit (12 or later) so the CUDA build can be checked" >&2
  exit 1
fi
echo "check-cuda-build: $(nvcc --version | grep -m1 release)"
npm run build:cuda
# Loading resolves every symbol; without a GPU or driver the device count is 0, not an error.
node -e "const a = require('./build-cuda/Release/hipserve.node');
if (!a.gpu || typeof a.gpu.captureGraph !== 'function') throw new Error('the CUDA addon has no gpu module');
console.log('check-cuda-build: ok, ' + a.gpu.vendor + ' addon loads, ' + a.gpu.deviceCount() + ' device(s) visible');"
