#!/usr/bin/env bash
# One GPU-machine call for latent attention, under ~110 s: the MLA tests (kernels and the GpuMlaAttention module),
# the benchmark beside its torch peers (bench-mla.mjs, bench-mla.py), then memcheck over the op tests.
# Usage there: bash test/gpu/bench-mla.sh .device-<you>
set -uo pipefail
bundle="${1:-.device}" tmp="$(mktemp -d)"
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"
vitest=(node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts)

SECONDS=0
timeout 50 "${vitest[@]}" test/gpu/mla_decode.test.ts test/gpu/mla_ops.test.ts test/gpu/mla_attention.test.ts \
  --reporter=verbose > "$out/vitest.log" 2>&1
grep -E "Tests |✓|×|FAIL|AssertionError|Error:" "$out/vitest.log" | head -60
echo "tests: ${SECONDS} s"

SECONDS=0
timeout 30 node test/gpu/bench-mla.mjs > "$tmp/bench.jsonl" 2> "$out/bench.err"
node test/gpu/bench-mla.mjs --shapes | timeout 30 python3 test/gpu/bench-mla.py > "$tmp/torch.json" 2>> "$out/bench.err"
cp "$tmp/bench.jsonl" "$tmp/torch.json" "$out/"
node test/gpu/bench-mla.mjs --merge "$tmp/torch.json" "$tmp/bench.jsonl" | tee "$out/bench.txt"
tail -5 "$out/bench.err"
echo "bench: ${SECONDS} s"

SECONDS=0
timeout "${MLA_SANITIZER_S:-25}" compute-sanitizer --tool memcheck --target-processes all --print-limit 20 \
  "${vitest[@]}" test/gpu/mla_ops.test.ts test/gpu/mla_attention.test.ts > "$out/memcheck.log" 2>&1
echo "memcheck (${SECONDS} s): $(grep -E "ERROR SUMMARY" "$out/memcheck.log" | tail -1) $(grep -E "Tests " "$out/memcheck.log")"
grep -E "Invalid|hazard" "$out/memcheck.log" | head -5
