# The peers of test/gpu/bench-decode.mjs, same machine and run: device-to-device copy bandwidth (read + write)
# and torch SDPA decode over contiguous (unpaged) K/V of each shape, CUDA-event timed, caches rotated like the
# bench's. Usage: node test/gpu/bench-decode.mjs --shapes | python3 test/gpu/bench-decode-torch.py > torch.json
import json
import sys

import torch
import torch.nn.functional as F

D, L2_DEFEAT = 128, 256 * 2**20
start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)


def time_us(fn, iters):
    for _ in range(3):
        fn()
    start.record()
    for _ in range(iters):
        fn()
    stop.record()
    torch.cuda.synchronize()
    return start.elapsed_time(stop) * 1e3 / iters


x = torch.empty(2**30, dtype=torch.uint8, device="cuda")
y = torch.empty_like(x)
copy_gbps = 2 * 2**30 / time_us(lambda: y.copy_(x), 20) / 1e3
del x, y

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

    sdpa[item["name"]] = time_us(call, 50)
    del q, kvs
    torch.cuda.empty_cache()

print(json.dumps({"copy_gbps": copy_gbps, "sdpa": sdpa}))
