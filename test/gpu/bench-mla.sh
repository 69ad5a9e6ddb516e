#!/usr/bin/env bash
# One GPU-machine call for latent attention, about 35 s: the MLA tests (kernels and the GpuMlaAttention module),
# the benchmark beside its torch peers (bench-mla.mjs, bench-mla.py), then memcheck over the op and module tests and
# racecheck over the small attention cases. MLA_ADDONS="name=path ..." benches several builds (default: build-cuda's).
# Usage there: bash test/gpu/bench-mla.sh .device-<you>
set -uo pipefail
bundle="${1:-.device}"
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"
source "$(dirname "${BASH_SOURCE[0]}")/bench-part.sh"  # bench_mla
export BENCH_LIMIT_SCALE="${BENCH_LIMIT_SCALE:-1.5}"  # both block sizes (bench-gpu.sh's run takes 64)
vitest=(node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts)

SECONDS=0
timeout 45 "${vitest[@]}" test/gpu/mla_decode.test.ts test/gpu/mla_ops.test.ts test/gpu/mla_attention.test.ts \
  --reporter=verbose > "$out/vitest.log" 2>&1
grep -E "Tests |✓|×|FAIL|AssertionError|Error:" "$out/vitest.log" | head -60
echo "tests: ${SECONDS} s"

SECONDS=0
bench_mla "$out" ${MLA_ADDONS:-}  # torch.json, bench-<name>.jsonl, bench.txt
echo "bench: ${SECONDS} s"

SECONDS=0
timeout "${MLA_SANITIZER_S:-20}" compute-sanitizer --tool memcheck --target-processes all --print-limit 20 \
  "${vitest[@]}" test/gpu/mla_ops.test.ts test/gpu/mla_attention.test.ts > "$out/memcheck.log" 2>&1
echo "memcheck (${SECONDS} s): $(grep -E "ERROR SUMMARY" "$out/memcheck.log" | tail -1) $(grep -E "Tests " "$out/memcheck.log")"
grep -E "Invalid|hazard" "$out/memcheck.log" | head -5

SECONDS=0
timeout "${MLA_SANITIZER_S:-20}" compute-sanitizer --tool racecheck --target-processes all --print-limit 20 \
  "${vitest[@]}" test/gpu/mla_decode.test.ts -t "supports L=" > "$out/racecheck.log" 2>&1
echo "racecheck (${SECONDS} s): $(grep -E "RACECHECK SUMMARY" "$out/racecheck.log" | tail -1) $(grep -E "Tests " "$out/racecheck.log")"
grep -E "hazard" "$out/racecheck.log" | head -5
