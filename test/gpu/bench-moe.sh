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
source "$(dirname "${BASH_SOURCE[0]}")/bench-part.sh"  # bench_moe
export BENCH_LIMIT_SCALE="${BENCH_LIMIT_SCALE:-2}"  # every token count (bench-gpu.sh's run takes five)

bench_moe "$out"  # bench-node.txt, bench.txt, moe-hipserve.json, bench-moe.json

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
