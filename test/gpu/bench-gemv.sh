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
bench_args=() models=0
for a in "$@"; do [ "$a" = models ] && models=1 || bench_args+=("$a"); done

SECONDS=0
timeout 35 node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts --reporter=verbose \
  test/gpu/gemv.test.ts test/gpu/matmul.test.ts test/gpu/activation.test.ts > "$out/vitest.log" 2>&1
echo "vitest exit $? (${SECONDS} s)" | tee -a "$out/vitest.log"
grep -E "×|FAIL|Error|expected|Tests |Test Files" "$out/vitest.log" | grep -v "✓" | head -40

SECONDS=0
timeout 30 python3 test/gpu/bench-gemv.py "$out/torch.json" > "$out/torch.log" 2>&1 || tail -5 "$out/torch.log"
echo "torch peer: ${SECONDS} s"
SECONDS=0
timeout 50 node test/gpu/bench-gemv.mjs "$out/torch.json" "${bench_args[@]}" > "$out/bench.txt" 2>&1
cat "$out/bench.txt"
echo "bench: ${SECONDS} s"

if [ "$models" = 1 ]; then
  bash test/gpu/models/device-run-models.sh
fi
