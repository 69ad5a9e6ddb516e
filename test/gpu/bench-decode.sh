#!/usr/bin/env bash
# One GPU-machine call for paged decode attention, under ~100 s: its tests, the benchmark (host-timed calls, ncu
# kernel durations, torch copy and SDPA peers), then memcheck and racecheck over the tests and ncu's
# stall reasons for one shape, side by side.
# Carry: .device-<you>, build-cuda/Release. Usage there: bash test/gpu/bench-decode.sh .device-<you> [sanitize|none]
set -uo pipefail
bundle="${1:-.device}" sanitize="${2:-sanitize}" out="${OUT:-/tmp/out}" tmp="$(mktemp -d)"
mkdir -p "$out"
source "$bundle/setup.sh" >/dev/null
tar -xJf "$bundle/nm.tar.xz"
export HIPSERVE_ADDON=build-cuda/Release/hipserve.node
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader | tee "$out/gpu.txt"
vitest=(node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts test/gpu/paged_decode.test.ts)

SECONDS=0
timeout 60 "${vitest[@]}" --reporter=verbose > "$out/vitest.log" 2>&1
echo "vitest exit $? (${SECONDS} s)" | tee -a "$out/vitest.log"
grep -E "×|FAIL|Error|expected|Tests " "$out/vitest.log" | head -30

SECONDS=0
timeout 60 node test/gpu/bench-decode.mjs > "$tmp/bench.json" 2> "$out/bench.err"
node test/gpu/bench-decode.mjs --shapes | timeout 60 python3 test/gpu/bench-decode-torch.py > "$tmp/torch.json" 2>> "$out/bench.err"
timeout 60 ncu --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv -k regex:paged_decode \
  --log-file "$tmp/ncu.csv" node test/gpu/bench-decode.mjs --profile > "$tmp/profile.json" 2>> "$out/bench.err"
echo "bench + torch + ncu: ${SECONDS} s" >> "$out/bench.err"
node test/gpu/bench-decode.mjs --merge "$tmp/bench.json" "$tmp/torch.json" "$tmp/ncu.csv" "$tmp/profile.json" | tee "$out/bench.txt"
cp "$tmp/ncu.csv" "$out/" 2>/dev/null  # (at most 8 files come back)
tail -5 "$out/bench.err"

if [ "$sanitize" != none ]; then
  SECONDS=0
  for tool in memcheck racecheck; do
    timeout 58 compute-sanitizer --tool $tool --target-processes all --print-limit 20 "${vitest[@]}" --reporter=verbose > "$out/$tool.log" 2>&1 &
  done
  # Where the decode kernel's time goes (stall reasons), for the next step; on one mid-size shape.
  DECODE_SHAPES="B=8 ctx=8192" timeout 40 ncu --clock-control none --section SpeedOfLight --section WarpStateStats \
    --section Occupancy -k regex:paged_decode_kernel -c 1 node test/gpu/bench-decode.mjs --profile > "$out/ncu-stalls.txt" 2>&1 &
  wait
  echo "sanitizers: ${SECONDS} s"
  for tool in memcheck racecheck; do
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY|Invalid|hazard|Tests |Terminated" "$out/$tool.log" | head -8
  done
fi
