# The torch peers of test/gpu/bench-mla.mjs, same machine and run: device-to-device copy bandwidth (read + write)
# and absorbed MQA decode over contiguous (unpaged) latents [B, ctx, 576] for H=128 query heads: two bmm + softmax,
# and SDPA with the heads as the query sequence (whichever backend takes head dim 576). CUDA events; latents
# rotated among copies of >= 256 MiB so a small batch is not served from L2.
# Usage: node test/gpu/bench-mla.mjs --shapes | python3 test/gpu/bench-mla.py > torch.json
import json
import sys

import torch
import torch.nn.functional as F

import bench_torch_common
from bench_torch_common import warm_event_us

H, L, R, L2_DEFEAT = 128, 512, 64, 256 * 2**20
W = L + R
copy_gbps = bench_torch_common.copy_gbps()

scale = 192**-0.5
mla = {}
for item in json.load(sys.stdin):
    b, ctx = map(int, item.split())
    lat_bytes = b * ctx * W * 2
    replicas = max(1, min(8, -(-L2_DEFEAT // lat_bytes)))
    q = torch.randn(b, H, W, device="cuda", dtype=torch.bfloat16)
    kvs = [torch.randn(b, ctx, W, device="cuda", dtype=torch.bfloat16) for _ in range(replicas)]
    turn = [0]

    def matmul():
        kv = kvs[turn[0] % replicas]
        turn[0] += 1
        p = torch.softmax(torch.bmm(q, kv.transpose(1, 2)).float() * scale, dim=-1).to(torch.bfloat16)
        return torch.bmm(p, kv[:, :, R:])

    def sdpa():
        kv = kvs[turn[0] % replicas]
        turn[0] += 1
        return F.scaled_dot_product_attention(q.unsqueeze(1), kv.unsqueeze(1), kv[:, :, R:].unsqueeze(1), scale=scale)

    row = {"matmul": warm_event_us(matmul, 20)}
    try:
        row["sdpa"] = warm_event_us(sdpa, 20)
    except RuntimeError as e:  # no backend for the shape
        print(f"sdpa B={b} ctx={ctx}: {e}", file=sys.stderr)
    mla[f"B={b} ctx={ctx}"] = row
    del q, kvs
    torch.cuda.empty_cache()

print(json.dumps({"copy_gbps": copy_gbps, "mla": mla}))
