# The peers of test/gpu/bench-decode.mjs, same machine and run: device-to-device copy bandwidth (read + write)
# and torch SDPA decode over contiguous (unpaged) K/V of each shape, CUDA-event timed, caches rotated like the
# bench's. Usage: node test/gpu/bench-decode.mjs --shapes | python3 test/gpu/bench-decode-torch.py > torch.json
import json
import sys

import torch
import torch.nn.functional as F

import bench_torch_common
from bench_torch_common import warm_event_us

D, L2_DEFEAT = 128, 256 * 2**20
copy_gbps = bench_torch_common.copy_gbps()

sdpa = {}
for item in json.load(sys.stdin):
    label, b, ctx, hq, hk, max_seq_len = item["shape"]
    if max_seq_len != ctx:
        continue  # no unpaged peer for an overstated max_seq_len
    kv_bytes = 2 * b * hk * ctx * D * 2
    replicas = max(1, min(16, -(-L2_DEFEAT // kv_bytes)))
    q = torch.randn(b, hq, 1, D, device="cuda", dtype=torch.bfloat16)
    kvs = [(torch.randn(b, hk, ctx, D, device="cuda", dtype=torch.bfloat16),
            torch.randn(b, hk, ctx, D, device="cuda", dtype=torch.bfloat16)) for _ in range(replicas)]
    turn = [0]

    def call():
        k, v = kvs[turn[0] % replicas]
        turn[0] += 1
        F.scaled_dot_product_attention(q, k, v, enable_gqa=True)

    sdpa[item["name"]] = warm_event_us(call, 50)
    del q, kvs
    torch.cuda.empty_cache()

print(json.dumps({"copy_gbps": copy_gbps, "sdpa": sdpa}))
