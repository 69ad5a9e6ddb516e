#!/usr/bin/env bash
# One call on the GPU machine (see /work/shared/device/README.md): the GPU tests, rough kernel timings, the
# device's copy bandwidth as the memory-bound ceiling, and memcheck over the kernel tests.
# Carry: .device-<you> (node.xz, setup.sh, nm.tar.xz: the vitest dependency closure) and build-cuda/Release.
# Usage there: bash test/gpu/device-run.sh .device-<you>
set -uo pipefail
bundle="${1:-.device}"
source "$(dirname "${BASH_SOURCE[0]}")/device-setup.sh" "$bundle"

node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts --reporter=verbose > "$out/vitest.log" 2>&1
echo "vitest exit $?" | tee -a "$out/vitest.log"
grep -E "✓|×|FAIL|Error|expected|Tests |Test Files" "$out/vitest.log" | grep -v "✓" | head -60

node test/gpu/bench.mjs > "$out/bench.txt" 2>&1
python3 - >> "$out/bench.txt" 2>&1 <<'PY'
import torch
x = torch.empty(2**30, dtype=torch.uint8, device="cuda"); y = torch.empty_like(x)
for _ in range(3): y.copy_(x)
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
s.record()
for _ in range(20): y.copy_(x)
e.record(); torch.cuda.synchronize()
print(f"device-to-device copy: {2 * 2**30 / (s.elapsed_time(e) / 20) / 1e6:.0f} GB/s (read + write)")
# A peer for decode attention: torch SDPA over contiguous (not paged) K/V of the bench's B=64, ctx=2048 case.
import torch.nn.functional as F
for hq in (32, 64):
    q = torch.randn(64, hq, 1, 128, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(64, 8, 2048, 128, device="cuda", dtype=torch.bfloat16); v = torch.randn_like(k)
    f = lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    for _ in range(3): f()
    s.record()
    for _ in range(20): f()
    e.record(); torch.cuda.synchronize(); ms = s.elapsed_time(e) / 20
    print(f"torch SDPA decode B=64 ctx=2048 Hq={hq} Hk=8 D=128: {ms * 1e3:.1f} us, {2 * k.numel() * 2 / ms / 1e6:.0f} GB/s")
PY

kernels="test/gpu/paged_decode.test.ts test/gpu/rotary_cache.test.ts test/gpu/embedding.test.ts
  test/gpu/rms_norm.test.ts test/gpu/activation.test.ts
  test/gpu/moe.test.ts"
for tool in memcheck racecheck; do
  files=$kernels
  [ $tool = racecheck ] && files=test/gpu/paged_decode.test.ts
  timeout 150 compute-sanitizer --tool $tool --target-processes all --print-limit 20 \
    node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts $files > "$out/$tool.log" 2>&1
  echo "$tool exit $?" >> "$out/$tool.log"
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|Invalid|hazard|exit|Tests " "$out/$tool.log" | head -12
done
cat "$out/bench.txt"

# The dense models against transformers (small ones; add --big for the 8B-shaped models and the decode bench).
bash test/gpu/models/device-run-models.sh
