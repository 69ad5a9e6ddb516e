#!/usr/bin/env bash
# On the GPU machine, after test/gpu/device-run.sh has set up Node and node_modules: builds the transformers
# references (small dense models; with --big also the 8B-shaped ones), runs the GPU model tests against them and,
# with --big, the decode benchmark on the Llama-3-8B-shaped model. Results under $OUT.
# Usage there: bash test/gpu/models/device-run-models.sh [--big]
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
if [ "${1:-}" = "--big" ]; then
  for mode in "" "--eager"; do
    node dist/src/bench/gpu-decode.js --model "$models/llama3-8b-shaped" --reference "$models/summary.json" $mode \
      --json "$out/gpu-decode${mode:+-eager}.json" 2>&1 | tee -a "$out/gpu-decode.txt"
  done
fi
