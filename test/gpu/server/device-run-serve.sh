#!/usr/bin/env bash
# On the GPU machine: builds the small serve model (make_serve_model.py, with the tokenizer the bundle carries in
# <bundle>/serve-tokenizer) and runs test/gpu/server: `hipserve serve` on the GPU against the same on the CPU.
# Usage there: bash test/gpu/server/device-run-serve.sh .device-<you>
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../device-setup.sh" "$1"
model=$(python3 test/gpu/server/make_serve_model.py /tmp/hipserve-serve-model "$1/serve-tokenizer" 2> "$out/serve-model.log" | tail -1)
HIPSERVE_GPU_SERVE_MODEL="$model" node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts test/gpu/server \
  --reporter=verbose > "$out/serve.log" 2>&1
echo "serve tests exit $?" | tee -a "$out/serve.log"
grep -E "✓|×|FAIL|Error|expected|Tests " "$out/serve.log" | head -40
