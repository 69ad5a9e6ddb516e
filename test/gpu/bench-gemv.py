# The torch peer of test/gpu/bench-gemv.mjs: torch.matmul(x, w.t()) on the same shapes and token counts, bf16, the
# weight rotated over copies (>= 256 MB) like the Node bench, R calls captured into one CUDA graph and replayed
# (CUDA events); the down projection after F.silu(gate) * up; and the device-to-device copy bandwidth.
# lm_head writes f32 logits where torch.mm takes out_dtype, else bf16 (said in the report).
# Usage: python3 test/gpu/bench-gemv.py out.json
import json
import math
import os
import sys

import torch

from bench_torch_common import copy_gbps, graph_us

SHAPES = [("qkv", 6144, 4096), ("o", 4096, 4096), ("gate_up", 28672, 4096), ("down", 4096, 14336),
          ("lm_head", 128256, 4096)]
TOKENS = [int(t) for t in os.environ.get("GEMV_TOKENS", "1,2,4,8,16").split(",")]  # as in bench-gemv.mjs
ROTATION_BYTES, CALLS, REPLAYS = 256 * 2**20, 24, 5


def weights(n, k):
    copies = max(1, math.ceil(ROTATION_BYTES / (n * k * 2)))
    return [torch.full((n, k), 0.0115, device="cuda", dtype=torch.bfloat16) for _ in range(copies)]


results, notes = [], []
for name, n, k in SHAPES:
    ws = weights(n, k)
    for t in TOKENS:
        x = torch.full((t, k), 0.0115, device="cuda", dtype=torch.bfloat16)
        out_dtype = torch.bfloat16
        if name == "lm_head":
            try:
                out = torch.empty((t, n), device="cuda", dtype=torch.float32)
                torch.mm(x, ws[0].t(), out_dtype=torch.float32, out=out)
                out_dtype = torch.float32
            except (TypeError, RuntimeError) as e:
                if not notes:
                    notes.append(f"lm_head writes bf16 (torch.mm out_dtype f32 failed: {type(e).__name__})")
        out = torch.empty((t, n), device="cuda", dtype=out_dtype)
        if out_dtype == torch.float32:
            call = lambda i: torch.mm(x, ws[i % len(ws)].t(), out_dtype=torch.float32, out=out)
        else:
            call = lambda i: torch.matmul(x, ws[i % len(ws)].t(), out=out)
        results.append({"name": name, "t": t, "us": graph_us(call, CALLS, REPLAYS)})
    del ws

fused = []
n, k = 4096, 14336
ws = weights(n, k)
for t in TOKENS:
    x2 = torch.full((t, 2 * k), 0.0115, device="cuda", dtype=torch.bfloat16)
    out = torch.empty((t, n), device="cuda", dtype=torch.bfloat16)

    def call(i):
        act = torch.nn.functional.silu(x2[:, :k]) * x2[:, k:]
        torch.matmul(act, ws[i % len(ws)].t(), out=out)

    fused.append({"t": t, "us": graph_us(call, CALLS, REPLAYS)})
del ws

# Eager (copy_gbps): a captured copy becomes a copy-engine node, slower than the copy kernel (2770 vs ~4250 GB/s).
report = {"torch": f"torch {torch.__version__}, {torch.cuda.get_device_name()}" + (f"; {notes[0]}" if notes else ""),
          "copyGBs": copy_gbps(), "results": results, "fused": fused}
json.dump(report, open(sys.argv[1], "w"))
print(report["torch"], f"copy {report['copyGBs']:.0f} GB/s")
