#!/usr/bin/env bash
# The one-run GPU benchmark (issue #6), one GPU-machine call of under 9 minutes: the peaks once (device-to-device
# copy, an 8192³ bf16 torch.matmul), then each benchmark part of bench-part.sh under its own time limits (no tests,
# no sanitizers): decode attention (+ ncu kernel times, torch SDPA), end-to-end decode of a Llama-3-8B-shaped bf16
# model with random weights beside transformers' generate, prefill attention (torch SDPA), matmul and the decode GEMV
# (torch.matmul), fused MoE, MLA, the elementwise kernels and sampling. Every part compares with the same peaks
# (HIPSERVE_BENCH_COPY_GBPS, HIPSERVE_BENCH_MATMUL_TFLOPS). bench-summary.mjs then writes $OUT/gpu-bench.json (a
# hipserve.bench/1 'kernels' result: `hipserve dashboard $OUT`) and prints one table ($OUT/summary.txt); every part's
# outputs are in $OUT/parts.tgz. A part that would end past BENCH_DEADLINE_S (default 530 s after the start) runs
# only in the time left, or not at all, so that the summary is always written.
# Carry: .device-<you> (node.xz, setup.sh, nm.tar.xz), build-cuda/Release, dist.
# Usage there: bash test/gpu/bench-gpu.sh .device-<you> [part ...]   (default: every part, in this order)
set -uo pipefail
bundle="${1:-.device}"
shift
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/device-setup.sh" "$bundle"
source "$here/bench-part.sh"
parts_dir="$(mktemp -d)/parts"
mkdir -p "$parts_dir"
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=(peaks decode e2e prefill matmul gemv moe mla elementwise sampling)
deadline="${BENCH_DEADLINE_S:-530}"

# The one-run shape sets: the decode sizes in the GEMV bench, matmul only where it is compute-bound, fewer MoE
# token counts, MLA at block 64, one vocabulary for sampling.
export GEMV_TOKENS="${GEMV_TOKENS:-1,8,16}" MATMUL_TOKENS="${MATMUL_TOKENS:-256,2048}"
export MOE_BENCH_TOKENS="${MOE_BENCH_TOKENS:-1,4,16,64,256}" MLA_BLOCKS="${MLA_BLOCKS:-64}"
export SAMPLING_VOCABS="${SAMPLING_VOCABS:-128256}" PYTHONUNBUFFERED=1
# The commit measured: the bundle's note of it where the tree came as files over another checkout, else HEAD.
export HIPSERVE_GIT_COMMIT="${HIPSERVE_GIT_COMMIT:-$(cat "$bundle/commit" 2>/dev/null || git rev-parse HEAD 2>/dev/null)}"

total=0
for p in "${selected[@]}"; do total=$((total + $(part_limit "$p"))); done
echo "parts: ${selected[*]}; their time limits add up to ${total} s (deadline ${deadline} s)"

# The peaks every later part compares with, from peaks.json.
export_peaks() {
  local f="$parts_dir/peaks/peaks.json"
  [ -s "$f" ] || return
  HIPSERVE_BENCH_COPY_GBPS="$(node -p "JSON.parse(require('fs').readFileSync('$f')).copy_gbps")"
  HIPSERVE_BENCH_MATMUL_TFLOPS="$(node -p "JSON.parse(require('fs').readFileSync('$f')).matmul_tflops")"
  export HIPSERVE_BENCH_COPY_GBPS HIPSERVE_BENCH_MATMUL_TFLOPS
}

for p in "${selected[@]}"; do
  dir="$parts_dir/$p"
  mkdir -p "$dir"
  lim=$(part_limit "$p") left=$((deadline - SECONDS))
  if [ "$left" -lt 10 ]; then
    printf '{"part":"%s","rc":124,"seconds":0,"limit":%d,"skipped":"%d s left before the %d s deadline"}\n' \
      "$p" "$lim" "$left" "$deadline" > "$dir/status.json"
    echo "--- $p: skipped, ${left} s left before the deadline"
    continue
  fi
  # The steps' own limits fire first; this one catches an untimed step that hangs, or the deadline.
  outer=$((lim + 3 < left ? lim + 3 : left))
  start=$SECONDS
  timeout -k 5 "$outer" bash "$here/bench-part.sh" "$p" "$dir" > "$dir/out.txt" 2>&1
  rc=$?
  took=$((SECONDS - start))
  printf '{"part":"%s","rc":%d,"seconds":%d,"limit":%d}\n' "$p" "$rc" "$took" "$lim" > "$dir/status.json"
  echo "--- $p: exit $rc, ${took} s of ${lim} s; $(grep -Ev '^\s*$' "$dir/out.txt" | tail -1 | cut -c1-150)"
  [ "$p" = peaks ] && export_peaks
done
echo "all parts: ${SECONDS} s"

node "$here/bench-summary.mjs" "$parts_dir" "$out/gpu-bench.json" 2>&1 | tee "$out/summary.txt"
tar -czf "$out/parts.tgz" -C "$(dirname "$parts_dir")" parts
echo "total: ${SECONDS} s; $out: gpu-bench.json, summary.txt, parts.tgz"
