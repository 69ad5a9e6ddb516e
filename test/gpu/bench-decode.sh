#!/usr/bin/env bash
# One GPU-machine call for paged decode attention: its tests, one compute-sanitizer tool over them, and the
# benchmark (host-timed calls, ncu kernel durations, torch copy and SDPA peers), all under ~100 s.
# Carry: .device-<you>, build-cuda/Release. Usage there: bash test/gpu/bench-decode.sh .device-<you> [memcheck|racecheck|none]
set -uo pipefail
bundle="${1:-.device}" tool="${2:-memcheck}" out="${OUT:-/tmp/out}" tmp="$(mktemp -d)"
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
timeout 60 ncu --clock-control none --cache-control all --metrics gpu__time_duration.sum --csv -k regex:paged_decode \
  --log-file "$tmp/ncu.csv" node test/gpu/bench-decode.mjs --profile > "$tmp/profile.json" 2>> "$out/bench.err"
echo "bench + torch + ncu: ${SECONDS} s" >> "$out/bench.err"
node test/gpu/bench-decode.mjs --merge "$tmp/bench.json" "$tmp/torch.json" "$tmp/ncu.csv" "$tmp/profile.json" | tee "$out/bench.txt"
cp "$tmp"/*.json "$tmp/ncu.csv" "$out/" 2>/dev/null
tail -5 "$out/bench.err"

if [ "$tool" != none ]; then
  SECONDS=0
  timeout 90 compute-sanitizer --tool "$tool" --target-processes all --print-limit 20 "${vitest[@]}" > "$out/$tool.log" 2>&1
  echo "$tool exit $? (${SECONDS} s)" >> "$out/$tool.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|Invalid|hazard|exit|Tests " "$out/$tool.log" | head -12
fi

# Partition-size sweep (HIPSERVE_DECODE_PARTITION_KEYS overrides the plan; tuning only), kernel times from ncu.
if [ -n "${DECODE_SWEEP:-}" ]; then
  for keys in $DECODE_SWEEP; do
    HIPSERVE_DECODE_PARTITION_KEYS=$keys DECODE_SHAPES="${DECODE_SWEEP_SHAPES:-B=1 }" timeout 20 ncu --clock-control none \
      --cache-control all --metrics gpu__time_duration.sum --csv -k regex:paged_decode --log-file "$tmp/sweep.csv" \
      node test/gpu/bench-decode.mjs --profile > "$tmp/sweep.json" 2>> "$out/bench.err"
    echo "partition keys $keys" | tee -a "$out/sweep.txt"
    node test/gpu/bench-decode.mjs --merge "$tmp/sweep.json" "$tmp/torch.json" "$tmp/sweep.csv" "$tmp/sweep.json" | tee -a "$out/sweep.txt"
  done
fi
