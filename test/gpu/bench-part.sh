#!/usr/bin/env bash
# The benchmark parts of test/gpu, one function each, shared by the per-kernel device scripts (bench-decode.sh,
# bench-prefill.sh, ...) and the one-run benchmark (bench-gpu.sh). A part runs benchmarks only (no tests, no
# sanitizers), writes its raw and merged outputs (JSON for bench-summary.mjs) under the folder it is given and prints
# its table. Each step has its own time limit (LIMITS, seconds, times $BENCH_LIMIT_SCALE), so a stuck peer does not
# cost the part its other numbers; a part's limit is the sum of its steps' (part_limit).
# Sourced after device-setup.sh (Node on PATH, node_modules, HIPSERVE_ADDON), from the repository root:
#   source test/gpu/bench-part.sh; bench_decode <dir> [name=addon[@VAR=value] ...]
# or run as a script: bash test/gpu/bench-part.sh <part> <dir> [args]   (parts: ${BENCH_PARTS[*]})

BENCH_PARTS=(peaks decode prefill matmul gemv moe mla sampling elementwise e2e)
declare -A LIMITS=(
  [peaks]=20
  [decode.torch]=20 [decode.bench]=20 [decode.ncu]=30
  [prefill.node]=12 [prefill.torch]=13
  [matmul.torch]=12 [matmul.node]=13
  [gemv.torch]=18 [gemv.node]=22
  [moe.node]=28 [moe.torch]=27
  [mla.torch]=15 [mla.node]=20
  [sampling.node]=22 [sampling.torch]=10
  [elementwise.torch]=20 [elementwise.node]=15
  [e2e.references]=95 [e2e.decode]=85
)

# Seconds allowed to step $1 (e.g. decode.ncu).
limit() {
  local s="${LIMITS[$1]:?no time limit for $1}"
  awk -v s="$s" -v k="${BENCH_LIMIT_SCALE:-1}" 'BEGIN { printf "%d", s * k + 0.5 }'
}

# Seconds allowed to part $1: the sum of its steps'.
part_limit() {
  local k sum=0
  for k in "${!LIMITS[@]}"; do
    [[ "$k" == "$1" || "$k" == "$1".* ]] && sum=$((sum + $(limit "$k")))
  done
  echo "$sum"
}

# The first failure of the part's steps (exit code; 124: past its time limit), the script's exit code.
part_rc=0
shopt -s lastpipe  # a step at the end of a pipeline runs in this shell, so note_rc sees it
exec 3>&1          # note_rc's messages: the output as it was here, whatever a step's own output is redirected to

# Records step $1's exit code $2: a failed step is named in the output and sets part_rc if it is the first.
note_rc() {
  [ "$2" -eq 0 ] && return 0
  echo "step $1: exit $2$([ "$2" -eq 124 ] && echo " (past its $(limit "$1") s limit)")" >&3
  [ "$part_rc" -eq 0 ] && part_rc=$2
  return "$2"
}

# Runs step $1 (its time limit, its exit code noted) with the command that follows.
run_step() {
  local key="$1"
  shift
  timeout "$(limit "$key")" "$@"
  note_rc "$key" $?
}

# Runs a command with addon entry $1's library and environment (name=path[@VAR=value]).
with_addon() {
  local rest="${1#*=}" vars=()
  [[ "$rest" == *@* ]] && vars=("${rest#*@}")
  shift
  env "${vars[@]}" HIPSERVE_ADDON="${rest%%@*}" "$@"
}

default_addon="current=${HIPSERVE_ADDON:-build-cuda/Release/hipserve.node}"

# Sets the caller's `addons` to the entries given, or $HIPSERVE_ADDON's when none.
addon_entries() {
  addons=("$@")
  [ ${#addons[@]} -gt 0 ] || addons=("$default_addon")
}

# Runs step $1 with addon entry $2 (with_addon) and the command that follows: its time limit, its exit code noted.
run_addon_step() {
  local key="$1" a="$2"
  shift 2
  with_addon "$a" timeout "$(limit "$key")" "$@"
  note_rc "$key" $?
}

# The copy bandwidth and the dense bf16 matmul rate: peaks.json.
bench_peaks() {
  local dir="$1"
  mkdir -p "$dir"
  run_step peaks python3 test/gpu/bench-peaks.py "$dir/peaks.json"
}

# Paged decode attention: host-timed calls, ncu kernel durations, torch SDPA and the copy bandwidth; per addon entry
# (default: $HIPSERVE_ADDON's) decode-<name>.json and the table in bench.txt.
bench_decode() {
  local dir="$1" a name addons
  shift
  addon_entries "$@"
  mkdir -p "$dir"
  node test/gpu/bench-decode.mjs --shapes |
    run_step decode.torch python3 test/gpu/bench-decode-torch.py > "$dir/torch.json" 2>> "$dir/bench.err"
  for a in "${addons[@]}"; do
    name="${a%%=*}"
    run_addon_step decode.bench "$a" node test/gpu/bench-decode.mjs > "$dir/bench-$name.json" 2>> "$dir/bench.err"
    run_addon_step decode.ncu "$a" ncu --clock-control none --cache-control none --metrics gpu__time_duration.sum \
      --csv -k regex:paged_decode --log-file "$dir/ncu-$name.csv" node test/gpu/bench-decode.mjs --profile \
      > "$dir/profile-$name.json" 2>> "$dir/bench.err"
    echo "=== $name" | tee -a "$dir/bench.txt"
    node test/gpu/bench-decode.mjs --merge "$dir/bench-$name.json" "$dir/torch.json" "$dir/ncu-$name.csv" \
      "$dir/profile-$name.json" --json "$dir/decode-$name.json" 2>> "$dir/bench.err" | tee -a "$dir/bench.txt"
  done
  tail -3 "$dir/bench.err"
}

# Causal paged prefill beside torch SDPA (flash) and the matmul peak: hipserve.json, torch.json.
bench_prefill() {
  local dir="$1"
  mkdir -p "$dir"
  run_step prefill.node node test/gpu/bench-prefill.mjs --json "$dir/hipserve.json"
  node test/gpu/bench-prefill.mjs --shapes | run_step prefill.torch python3 test/gpu/bench-prefill.py "$dir/torch.json"
}

# gpuMatmul beside torch.matmul (MATMUL_TOKENS): torch.json, hipserve.json.
bench_matmul() {
  local dir="$1" peer=()
  mkdir -p "$dir"
  run_step matmul.torch python3 test/gpu/bench-matmul.py "$dir/torch.json" > "$dir/torch.log" 2>&1 ||
    tail -5 "$dir/torch.log"
  [ -s "$dir/torch.json" ] && peer=("$dir/torch.json")
  run_step matmul.node node test/gpu/bench-matmul.mjs ${peer[@]+"${peer[@]}"} --json "$dir/hipserve.json"
}

# The decode GEMV, cuBLASLt and gpuMatmul's choice beside torch.matmul (GEMV_TOKENS); extra arguments go to
# bench-gemv.mjs (--sweep): torch.json, hipserve.json.
bench_gemv() {
  local dir="$1" peer=()
  shift
  mkdir -p "$dir"
  run_step gemv.torch python3 test/gpu/bench-gemv.py "$dir/torch.json" > "$dir/torch.log" 2>&1 ||
    tail -5 "$dir/torch.log"
  [ -s "$dir/torch.json" ] && peer=("$dir/torch.json")
  run_step gemv.node node test/gpu/bench-gemv.mjs ${peer[@]+"${peer[@]}"} --json "$dir/hipserve.json" "$@"
}

# Fused MoE beside torch._grouped_mm on the same routing (MOE_BENCH_TOKENS; MOE_BASELINE_ADDON also times that
# addon): moe-hipserve.json, bench-moe.json (both, with the copy bandwidth).
bench_moe() {
  local dir="$1" ids baseline=()
  ids="$(mktemp -d)"
  mkdir -p "$dir"
  run_step moe.node node test/gpu/bench-moe.mjs "$ids/run" > "$dir/bench-node.txt" 2>&1
  if [ -n "${MOE_BASELINE_ADDON:-}" ]; then
    MOE_BENCH_TOKENS="${MOE_BASELINE_TOKENS:-1,2,4,8,16}" timeout "$(limit moe.node)" node test/gpu/bench-moe.mjs \
      "$ids/baseline" "$MOE_BASELINE_ADDON" > "$dir/bench-baseline.txt" 2>&1
    note_rc moe.node $?
    baseline=("$ids/baseline")
  fi
  cp "$ids/run/moe-hipserve.json" "$dir/" 2>/dev/null
  run_step moe.torch python3 test/gpu/bench-moe.py "$ids/run" "$dir" ${baseline[@]+"${baseline[@]}"} \
    > "$dir/bench.txt" 2>&1
  cat "$dir/bench-node.txt" "$dir/bench.txt"
  rm -rf "$ids"
}

# Latent attention and the absorption GEMMs beside torch (MLA_BLOCKS), per addon entry: torch.json,
# bench-<name>.jsonl.
bench_mla() {
  local dir="$1" a name addons
  shift
  addon_entries "$@"
  mkdir -p "$dir"
  node test/gpu/bench-mla.mjs --shapes | run_step mla.torch python3 test/gpu/bench-mla.py > "$dir/torch.json" \
    2>> "$dir/bench.err"
  for a in "${addons[@]}"; do
    name="${a%%=*}"
    run_addon_step mla.node "$a" node test/gpu/bench-mla.mjs > "$dir/bench-$name.jsonl" 2>> "$dir/bench.err"
    echo "=== $name" | tee -a "$dir/bench.txt"
    node test/gpu/bench-mla.mjs --merge "$dir/torch.json" "$dir/bench-$name.jsonl" 2>> "$dir/bench.err" |
      tee -a "$dir/bench.txt"
  done
  tail -5 "$dir/bench.err"
}

# A sampling step on the device vs the host path, beside torch (SAMPLING_VOCABS): device.jsonl, torch.jsonl.
bench_sampling() {
  local dir="$1"
  mkdir -p "$dir"
  run_step sampling.node node test/gpu/bench-sampling.mjs > "$dir/bench.txt" 2>&1
  grep '^{' "$dir/bench.txt" > "$dir/device.jsonl"
  grep -v '^{' "$dir/bench.txt"
  run_step sampling.torch python3 test/gpu/bench-sampling.py > "$dir/torch.jsonl" 2> "$dir/torch.err" ||
    tail -3 "$dir/torch.err"
  cat "$dir/torch.jsonl"
}

# RMSNorm, fused add + RMSNorm, SiLU-and-mul, RoPE + KV write, embedding beside torch (ELEMENTWISE_TOKENS):
# torch.json, hipserve.json.
bench_elementwise() {
  local dir="$1" peer=()
  mkdir -p "$dir"
  node test/gpu/bench-elementwise.mjs --shapes |
    run_step elementwise.torch python3 test/gpu/bench-elementwise.py "$dir/torch.json" > "$dir/torch.log" 2>&1 ||
    tail -5 "$dir/torch.log"
  [ -s "$dir/torch.json" ] && peer=("$dir/torch.json")
  run_step elementwise.node node test/gpu/bench-elementwise.mjs ${peer[@]+"${peer[@]}"} --json "$dir/hipserve.json"
}

# End-to-end decode of the Llama-3-8B-shaped bf16 model with random weights: make_gpu_references.py builds it
# alone (and times transformers' generate at batch 1/8/64/256; its summary.json carries copy_gbps), then
# gpu-decode.js with graphs: reference.json, gpu-decode.json. The model (16 GB) goes to $BENCH_MODELS_DIR, by default
# RAM-backed /dev/shm where it has room, and is removed after.
bench_e2e() {
  local dir="$1" models="${BENCH_MODELS_DIR:-}"
  mkdir -p "$dir"
  if [ -z "$models" ]; then
    models=/tmp/hipserve-bench-models
    [ "$(df --output=avail -B1G /dev/shm 2>/dev/null | tail -1)" -ge 24 ] 2>/dev/null &&
      models=/dev/shm/hipserve-bench-models
  fi
  run_step e2e.references python3 test/gpu/models/make_gpu_references.py "$models" --only llama3-8b-shaped \
    > "$dir/references.log" 2>&1
  echo "references in $models:"
  tail -2 "$dir/references.log"
  cp "$models/summary.json" "$dir/reference.json" 2>/dev/null
  run_step e2e.decode node dist/src/bench/gpu-decode.js --model "$models/llama3-8b-shaped" \
    --reference "$models/summary.json" --json "$dir/gpu-decode.json" > "$dir/gpu-decode.txt" 2>&1
  cat "$dir/gpu-decode.txt"
  rm -rf "$models/llama3-8b-shaped"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  part="${1:?usage: bench-part.sh <part> <dir> [args]}"
  [[ " ${BENCH_PARTS[*]} " == *" $part "* ]] || { echo "unknown part $part (${BENCH_PARTS[*]})" >&2; exit 2; }
  shift
  "bench_$part" "$@"
  exit "$part_rc"
fi
