#!/usr/bin/env bash
# One GPU-machine call for the sampling kernels: their tests (verbose), the sampling bench, then memcheck over
# the kernel tests in whatever time is left under the call's limit (BUDGET seconds, default 110).
# Carry: .device-<you>, build-cuda/Release, dist. Usage there: bash test/gpu/sampling-device-run.sh .device-<you>
set -uo pipefail
bundle="${1:-.device}" budget="${BUDGET:-110}"
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"
source "$(dirname "${BASH_SOURCE[0]}")/bench-part.sh"  # bench_sampling
vitest=(node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts)

timeout 40 "${vitest[@]}" --reporter=verbose test/gpu/sampling.test.ts \
  > "$out/vitest.log" 2>&1
echo "vitest exit $?" >> "$out/vitest.log"
sed 's/\x1b\[[0-9;]*m//g' "$out/vitest.log" | grep -E "✓|×|→|FAIL|Error|terminate|what\(\)|Tests |exit" | head -60

bench_sampling "$out"  # bench.txt, device.jsonl, torch.jsonl

left=$((budget - SECONDS))
if [ "$left" -gt 15 ]; then
  timeout $((left < 60 ? left : 60)) compute-sanitizer --tool memcheck --print-limit 20 \
    "${vitest[@]}" test/gpu/sampling.test.ts > "$out/memcheck.log" 2>&1
  echo "memcheck exit $? (limit $((left < 60 ? left : 60)) s)" >> "$out/memcheck.log"
  sed 's/\x1b\[[0-9;]*m//g' "$out/memcheck.log" | grep -E "ERROR SUMMARY|Invalid|exit|Tests |×" | head -20
else
  echo "memcheck skipped: ${left}s left"
fi
