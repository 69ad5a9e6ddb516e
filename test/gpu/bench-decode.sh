#!/usr/bin/env bash
# One GPU-machine call for paged decode attention, under ~100 s: its tests, the benchmark (host-timed calls, ncu
# kernel durations, torch copy and SDPA peers), then memcheck and racecheck over the tests and ncu's stall
# reasons for one shape, side by side. DECODE_ADDONS="name=path[@VAR=value] ..." compares builds (default:
# build-cuda's) or one build under environment settings (e.g. v4=build-cuda/Release/hipserve.node@HIPSERVE_PAGED_DECODE=v4):
# all are tested and benchmarked, the first (the build under test) also sanitized and profiled for stalls
# (DECODE_STALL_SHAPE, a substring of a shape name, picks the shape).
# Carry: .device-<you>, build-cuda/Release. Usage there: bash test/gpu/bench-decode.sh .device-<you> [sanitize|stalls|none]
set -uo pipefail
bundle="${1:-.device}" sanitize="${2:-sanitize}" tmp="$(mktemp -d)"
addons=(${DECODE_ADDONS:-current=build-cuda/Release/hipserve.node})
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle" --bare
source "$(dirname "${BASH_SOURCE[0]}")/bench-part.sh"  # bench_decode, with_addon
export BENCH_LIMIT_SCALE="${BENCH_LIMIT_SCALE:-1.5}"  # the step limits of bench-gpu.sh's run, with room
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader | tee "$out/bench.err"
vitest=(node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts test/gpu/paged_decode.test.ts --reporter=verbose)

SECONDS=0
if [ "${DECODE_TEST_S:-40}" != 0 ]; then  # 0: no plain test run (the sanitizers run the tests too)
  for a in "${addons[@]}"; do
    with_addon "$a" timeout "${DECODE_TEST_S:-40}" "${vitest[@]}" > "$tmp/vitest-${a%%=*}.log" 2>&1 &
  done
  wait
  for a in "${addons[@]}"; do
    { echo "=== ${a%%=*}"; cat "$tmp/vitest-${a%%=*}.log"; } >> "$out/vitest.log"
    echo "${a%%=*}: $(grep -E "Tests " "$tmp/vitest-${a%%=*}.log")"; grep -E "×|FAIL|AssertionError" "$tmp/vitest-${a%%=*}.log" | head -10
  done
  echo "tests: ${SECONDS} s"
fi

SECONDS=0
bench_decode "$out" "${addons[@]}"  # bench.txt, decode-<name>.json; raw outputs beside
echo "bench: ${SECONDS} s"

# Where the first build's decode kernel spends its time (stall reasons), for the next step; on one mid-size shape.
stalls() {
  DECODE_SHAPES="${DECODE_STALL_SHAPE:-llama3-8b B=8 ctx=8192}" with_addon "${addons[0]}" timeout 40 ncu \
    --clock-control none --section SpeedOfLight --section WarpStateStats --section Occupancy -k regex:paged_decode \
    -c 1 node test/gpu/bench-decode.mjs --profile > "$out/ncu-stalls.txt" 2>&1
}
if [ "$sanitize" = stalls ]; then
  stalls
elif [ "$sanitize" != none ]; then
  SECONDS=0
  a="${addons[0]}"
  for tool in memcheck racecheck; do
    with_addon "$a" timeout "${DECODE_SANITIZER_S:-50}" compute-sanitizer --tool $tool --target-processes all \
      --print-limit 20 "${vitest[@]}" > "$out/$tool-${a%%=*}.log" 2>&1 &
  done
  stalls &
  wait
  echo "sanitizers: ${SECONDS} s"
  for f in "$out"/memcheck-*.log "$out"/racecheck-*.log; do
    echo "== $(basename "$f"): $(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$f" | tail -1) $(grep -E "Tests " "$f")"
    grep -E "Invalid|hazard" "$f" | head -3
  done
fi
