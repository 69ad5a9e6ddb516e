#!/usr/bin/env bash
# One GPU-machine call for the MoE kernels: bench-moe.mjs and its torch peer bench-moe.py (same ids, same device,
# copy bandwidth), then their GPU tests (test/gpu/moe.test.ts; MOE_TEST_SECONDS caps them), then memcheck over a
# few of the tests if asked. MOE_BASELINE_ADDON=<addon.node> also times that addon (say, main's) with
# bench-moe.mjs in the same run, at MOE_BASELINE_TOKENS (default 1,2,4,8,16): the table's "before" column.
# MOE_BENCH_SECONDS: time per measurement (default 0.1 s ours, 0.15 s torch).
# Carry: .device-<you>, build-cuda/Release. Usage there: bash test/gpu/bench-moe.sh .device-<you> [memcheck seconds]
set -uo pipefail
bundle="${1:-.device}"
memcheck_s="${2:-0}"
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"

timeout 60 node test/gpu/bench-moe.mjs /tmp/bench-moe > "$out/bench-node.txt" 2>&1
echo "bench-moe.mjs exit $?" | tee -a "$out/bench-node.txt"
baseline=()
if [ -n "${MOE_BASELINE_ADDON:-}" ]; then
  MOE_BENCH_TOKENS="${MOE_BASELINE_TOKENS:-1,2,4,8,16}" timeout 60 node test/gpu/bench-moe.mjs /tmp/bench-moe-baseline "$MOE_BASELINE_ADDON" > "$out/bench-baseline.txt" 2>&1
  echo "bench-moe.mjs (baseline) exit $?" | tee -a "$out/bench-baseline.txt"
  baseline=(/tmp/bench-moe-baseline)
fi
timeout 60 python3 test/gpu/bench-moe.py /tmp/bench-moe "$out" ${baseline[@]+"${baseline[@]}"} > "$out/bench.txt" 2>&1
echo "bench-moe.py exit $?" >> "$out/bench.txt"
cp /tmp/bench-moe/moe-hipserve.json "$out/"
cat "$out/bench-node.txt" "$out/bench.txt"

timeout "${MOE_TEST_SECONDS:-50}" node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts \
  test/gpu/moe.test.ts --reporter=verbose > "$out/vitest.log" 2>&1
echo "vitest exit $?" | tee -a "$out/vitest.log"
grep -E "×|FAIL|Error|expected|Tests |Test Files" "$out/vitest.log" | head -40

if [ "$memcheck_s" -gt 0 ]; then
  timeout "$memcheck_s" compute-sanitizer --tool memcheck --target-processes all --print-limit 20 \
    node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts test/gpu/moe.test.ts \
    -t 'nobody chose|bad expert id|accumulates|Mixtral' > "$out/memcheck.log" 2>&1
  echo "memcheck exit $?" >> "$out/memcheck.log"
  grep -E "ERROR SUMMARY|Invalid|exit|Tests " "$out/memcheck.log" | head -12
fi
