# The peers of bench-prefill.mjs, in the same run: torch SDPA (flash backend, is_causal, contiguous [B, H, T, D]
# bf16, K/V repeated to the query heads: the same FLOPs) on the shapes `bench-prefill.mjs --shapes` gives on
# stdin, and the device's dense bf16 peak as a large torch.matmul reaches it (bench_torch_common.matmul_tflops:
# the peaks part's value in a bench-gpu.sh run). FLOPs: 4 · B · Hq · D · T(T+1)/2, as in bench-prefill.mjs.
# Usage: node test/gpu/bench-prefill.mjs --shapes | python3 test/gpu/bench-prefill.py [rows.json]
import json
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from bench_torch_common import event_ms, matmul_tflops


def timed_ms(fn, iters):
    fn()
    torch.cuda.synchronize()
    return event_ms(fn, iters)


print(torch.cuda.get_device_name(0), "torch", torch.__version__)
peak = matmul_tflops()
print(f"dense bf16 peak (torch.matmul 8192^3): {peak:.1f} TFLOP/s")
report = {"device": torch.cuda.get_device_name(0), "matmul_tflops": peak, "rows": []}

for shape in json.load(sys.stdin):
    b, t, hq, hk, d = (shape[x] for x in ("b", "t", "hq", "hk", "d"))
    q = torch.randn(b, hq, t, d, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(b, hk, t, d, device="cuda", dtype=torch.bfloat16).repeat_interleave(hq // hk, dim=1).contiguous()
    v = torch.randn_like(k)
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        ms = timed_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True), max(3, round(2e4 / t)))
    flops = 4 * b * hq * d * t * (t + 1) / 2
    print(f"torch SDPA flash causal bf16 B={b} T={t} Hq={hq} Hk={hk} D={d}: {ms:.3f} ms, "
          f"{flops / ms / 1e9:.1f} TFLOP/s")
    report["rows"].append({**shape, "ms": ms, "flops": flops})
    del q, k, v
    if len(sys.argv) > 1:
        json.dump(report, open(sys.argv[1], "w"), indent=1)
