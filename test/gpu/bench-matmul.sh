#!/usr/bin/env bash
# One call on the GPU machine for the BLAS wrapper and the rotary kernel: their tests, the torch peer
# (bench-matmul.py: torch.matmul and the copy bandwidth), then bench-matmul.mjs beside it.
# Carry: .device-<you> (node.xz, setup.sh, nm.tar.xz) and build-cuda/Release.
# Usage there: bash test/gpu/bench-matmul.sh .device-<you>
set -uo pipefail
bundle="${1:-.device}"
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"
source "$(dirname "${BASH_SOURCE[0]}")/bench-part.sh"  # bench_matmul
export BENCH_LIMIT_SCALE="${BENCH_LIMIT_SCALE:-3}"  # every token count (bench-gpu.sh's run takes two)

echo "libcublasLt: $(ldd "$HIPSERVE_ADDON" | grep -i cublasLt)" | tee -a "$out/gpu.txt"

node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts --reporter=verbose \
  test/gpu/matmul.test.ts test/gpu/rotary_cache.test.ts > "$out/vitest.log" 2>&1
echo "vitest exit $?" | tee -a "$out/vitest.log"
grep -E "×|FAIL|Error|expected|Tests |Test Files" "$out/vitest.log" | grep -v "✓" | head -40

bench_matmul "$out" 2>&1 | tee "$out/bench.txt"  # torch.json, hipserve.json
