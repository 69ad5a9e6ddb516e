#!/usr/bin/env bash
# On the GPU machine, after test/gpu/device-run.sh has set up Node and node_modules: builds the transformers
# references (small dense and MoE models; with --big also the 8B-shaped ones, with --big-moe the Qwen3-30B-A3B-shaped
# one), runs the GPU model tests against them and the decode benchmark on the big models: the Llama-3-8B-shaped one
# (--big), the 30B-A3B-shaped one at batch 1, 16 and 128 (--big-moe). Results under $OUT.
# Usage there: bash test/gpu/models/device-run-models.sh [--big] [--big-moe]
set -uo pipefail
out="${OUT:-/tmp/out}"
models=/tmp/hipserve-gpu-models
mkdir -p "$out"
python3 test/gpu/models/make_gpu_references.py "$models" "$@" > "$out/references.log" 2>&1
echo "references exit $?" | tee -a "$out/references.log"
tail -3 "$out/references.log"
HIPSERVE_GPU_MODELS="$models" node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts test/gpu/models \
  --reporter=verbose > "$out/models.log" 2>&1
echo "model tests exit $?" | tee -a "$out/models.log"
grep -E "✓|×|FAIL|Error|expected|Tests " "$out/models.log" | head -40
if [[ " $* " == *" --big-moe "* ]]; then
  moe_model=$(python3 -c "import json; print(json.load(open('$models/summary.json'))['models']['qwen3-30b-a3b-shaped'])")
  node dist/src/bench/gpu-decode.js --model "$moe_model" --reference "$models/summary.json" \
    --batch 1,16,128 --json "$out/gpu-decode-moe.json" 2>&1 | tee -a "$out/gpu-decode-moe.txt"
fi
if [[ " $* " == *" --big "* ]]; then
  for mode in "" "--eager"; do
    node dist/src/bench/gpu-decode.js --model "$models/llama3-8b-shaped" --reference "$models/summary.json" $mode \
      --json "$out/gpu-decode${mode:+-eager}.json" 2>&1 | tee -a "$out/gpu-decode.txt"
  done
fi
