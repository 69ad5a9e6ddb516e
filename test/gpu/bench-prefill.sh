#!/usr/bin/env bash
# One call on the GPU machine for paged prefill attention: its GPU tests, its benchmark beside the torch peers
# (bench-prefill.py), and memcheck over a subset of its tests. Carry .device-<you>, build-cuda/Release.
# Usage there: bash test/gpu/bench-prefill.sh .device-<you>
set -uo pipefail
bundle="${1:-.device}"
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"
source "$(dirname "${BASH_SOURCE[0]}")/bench-part.sh"  # bench_prefill
export BENCH_LIMIT_SCALE="${BENCH_LIMIT_SCALE:-1.5}"  # the step limits of bench-gpu.sh's run, with room
vitest="node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts test/gpu/paged_prefill.test.ts"

timeout "${VITEST_S:-45}" $vitest --reporter=verbose > "$out/vitest.log" 2>&1
echo "vitest exit $?" | tee -a "$out/vitest.log"
grep -E "✓|×|FAIL|Error|expected|Tests |Test Files" "$out/vitest.log" | grep -v "✓" | head -40

bench_prefill "$out" 2>&1 | tee "$out/bench.txt"  # hipserve.json, torch.json

timeout "${MEMCHECK_S:-60}" compute-sanitizer --tool memcheck --target-processes all --print-limit 20 \
  $vitest -t "tile edges|bad device metadata|head size 256|head size 80" > "$out/memcheck.log" 2>&1
echo "memcheck exit $?" >> "$out/memcheck.log"
grep -E "ERROR SUMMARY|Invalid|exit|Tests " "$out/memcheck.log" | head -12
