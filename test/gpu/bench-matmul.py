# The torch peer of test/gpu/bench-matmul.mjs: torch.matmul(x, w.t()) (cuBLAS) on the same Llama-3-8B shapes and
# token counts, bf16, timed with CUDA events over back-to-back calls, plus the device-to-device copy bandwidth.
# MATMUL_TOKENS (comma-separated) picks the token counts, as in bench-matmul.mjs.
# Usage: python3 test/gpu/bench-matmul.py out.json
import json
import os
import sys

import torch

from bench_torch_common import copy_gbps

SHAPES = [("qkv", 6144, 4096), ("o", 4096, 4096), ("gate_up", 28672, 4096), ("down", 4096, 14336),
          ("lm_head", 128256, 4096)]
TOKENS = [int(t) for t in os.environ.get("MATMUL_TOKENS", "1,8,64,256,2048").split(",")]


def microseconds(fn):
    for _ in range(3):
        fn()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record(); fn(); end.record(); torch.cuda.synchronize()
    iters = max(5, min(200, int(40_000 / (start.elapsed_time(end) * 1e3))))
    start.record()
    for _ in range(iters):
        fn()
    end.record(); torch.cuda.synchronize()
    return start.elapsed_time(end) * 1e3 / iters


results = []
for name, n, k in SHAPES:
    w = torch.full((n, k), 0.0115, device="cuda", dtype=torch.bfloat16)
    for t in TOKENS:
        x = torch.full((t, k), 0.0115, device="cuda", dtype=torch.bfloat16)
        out = torch.empty((t, n), device="cuda", dtype=torch.bfloat16)
        results.append({"name": name, "t": t, "us": microseconds(lambda: torch.matmul(x, w.t(), out=out))})
    del w

report = {"torch": f"torch {torch.__version__}, {torch.cuda.get_device_name()}", "copyGBs": copy_gbps(),
          "results": results}
json.dump(report, open(sys.argv[1], "w"))
print(report["torch"], f"copy {report['copyGBs']:.0f} GB/s")
