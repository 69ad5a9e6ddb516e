#!/usr/bin/env bash
# One GPU-machine call for the GEMV (native/hip/gemv*, linear*): its tests with the matmul and activation tests,
# the torch peer (bench-gemv.py: torch.matmul, the copy bandwidth), then bench-gemv.mjs beside it. Extra
# arguments go to bench-gemv.mjs (--sweep: every launch shape); `models` also runs the small dense-model tests
# (test/gpu/models, decode through gpuMatmul and graphs) after the bench.
# Carry: .device-<you> (node.xz, setup.sh, nm.tar.xz) and build-cuda/Release.
# Usage there: bash test/gpu/bench-gemv.sh .device-<you> [--sweep] [models]
set -uo pipefail
bundle="${1:-.device}"
shift
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"
source "$(dirname "${BASH_SOURCE[0]}")/bench-part.sh"  # bench_gemv
export BENCH_LIMIT_SCALE="${BENCH_LIMIT_SCALE:-2.5}"  # every token count (bench-gpu.sh's run takes three)
bench_args=() models=0
for a in "$@"; do [ "$a" = models ] && models=1 || bench_args+=("$a"); done

SECONDS=0
timeout 35 node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts --reporter=verbose \
  test/gpu/gemv.test.ts test/gpu/matmul.test.ts test/gpu/activation.test.ts > "$out/vitest.log" 2>&1
echo "vitest exit $? (${SECONDS} s)" | tee -a "$out/vitest.log"
grep -E "×|FAIL|Error|expected|Tests |Test Files" "$out/vitest.log" | grep -v "✓" | head -40

SECONDS=0
bench_gemv "$out" ${bench_args[@]+"${bench_args[@]}"} 2>&1 | tee "$out/bench.txt"  # torch.json, hipserve.json
echo "bench: ${SECONDS} s"

if [ "$models" = 1 ]; then
  bash test/gpu/models/device-run-models.sh
fi
