# The peers of test/gpu/bench-decode.mjs, same machine and run: device-to-device copy bandwidth (read + write)
# and torch SDPA decode over contiguous (unpaged) K/V of each shape, CUDA-event timed, caches rotated like the
# bench's; and per shape a copy of the same size (half its bytes read, half written: the bandwidth the copy reaches
# when it moves only as much as the call reads; small copies fall short of the 1 GiB figure too).
# Usage: node test/gpu/bench-decode.mjs --shapes | python3 test/gpu/bench-decode-torch.py > torch.json
import json
import sys

import torch
import torch.nn.functional as F

import bench_torch_common
from bench_torch_common import warm_event_us

D, L2_DEFEAT = 128, 256 * 2**20
copy_gbps = bench_torch_common.copy_gbps()


def same_size_copy_us(total_bytes):
    """µs of a device-to-device copy of total_bytes / 2 bytes (sources rotated past L2)."""
    half = max(16, total_bytes // 2 // 16 * 16)
    replicas = max(1, min(16, -(-L2_DEFEAT // half)))
    xs = [torch.empty(half, dtype=torch.uint8, device="cuda") for _ in range(replicas)]
    y = torch.empty(half, dtype=torch.uint8, device="cuda")
    turn = [0]

    def call():
        y.copy_(xs[turn[0] % replicas])
        turn[0] += 1

    us = warm_event_us(call, 50)
    del xs, y
    return us


sdpa, copy_us = {}, {}
for item in json.load(sys.stdin):
    label, b, ctx, hq, hk, max_seq_len = item["shape"]
    copy_us[item["name"]] = same_size_copy_us(item["bytes"])
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

print(json.dumps({"copy_gbps": copy_gbps, "sdpa": sdpa, "copy_us": copy_us}))
