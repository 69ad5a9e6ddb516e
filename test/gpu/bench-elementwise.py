# The torch peer of test/gpu/bench-elementwise.mjs, same shapes (read from stdin) and run: RMSNorm (F.rms_norm),
# the fused residual add + RMSNorm (add_, then F.rms_norm copied back into x), silu(gate) * up, a neox RoPE of q and
# k from a [max_position, D] f32 cos/sin cache with K/V written by index_copy_ into a paged cache at the same slots,
# and the embedding (F.embedding). bf16; the calls rotate over copies of their inputs (>= 256 MiB, as the Node bench),
# at least 20 calls captured into one CUDA graph and replayed (CUDA events). Also the copy bandwidth.
# Usage: node test/gpu/bench-elementwise.mjs --shapes | python3 test/gpu/bench-elementwise.py torch.json
import json
import math
import sys

import torch
import torch.nn.functional as F

from bench_torch_common import copy_gbps, graph_us

ROTATION_BYTES, CALLS = 256 * 2**20, 20
bf16 = dict(device="cuda", dtype=torch.bfloat16)


def slot_mapping(s):
    """As bench-elementwise.mjs: decode, token j to block j at offset j % block; prefill, consecutive slots."""
    t, block = s["t"], s["block"]
    if s["decode"]:
        return torch.tensor([j * block + j % block for j in range(t)], device="cuda"), t
    return torch.arange(t, device="cuda"), math.ceil(t / block)


def cos_sin_cache(s):
    d, half = s["d"], s["d"] // 2
    theta = 500000.0 ** (-torch.arange(half, device="cuda", dtype=torch.float64) * 2 / d)
    angle = torch.arange(s["maxPosition"], device="cuda", dtype=torch.float64)[:, None] * theta[None, :]
    return torch.cat((angle.cos(), angle.sin()), -1).float()


def neox(x, cos, sin):
    """x [T, H, D] rotated by halves, in f32, back to x's dtype."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half].float(), x[..., half:].float()
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), -1).to(x.dtype)


def make_op(s, shared):
    """(call(i), copies) for one shape: copies of the inputs, call i on copy i % copies."""
    op, t, h, inter, hq, hk, d = s["op"], s["t"], s["hidden"], s["inter"], s["hq"], s["hk"], s["d"]
    copies = max(1, min(256, math.ceil(ROTATION_BYTES / s["bytes"])))
    gen = torch.Generator(device="cuda").manual_seed(t)
    if op == "rmsNorm":
        xs = [torch.full((t, h), 0.0115, **bf16) for _ in range(copies)]
        w = shared["norm_weight"]
        return (lambda i: F.rms_norm(xs[i % copies], (h,), w, s["eps"])), copies
    if op == "fusedAddRmsNorm":
        sets = [(torch.full((t, h), 0.0115, **bf16), torch.full((t, h), 0.0115, **bf16)) for _ in range(copies)]
        w = shared["norm_weight"]

        def fused(i):
            x, residual = sets[i % copies]
            residual.add_(x)
            x.copy_(F.rms_norm(residual, (h,), w, s["eps"]))
        return fused, copies
    if op == "siluAndMul":
        sets = [(torch.full((t, 2 * inter), 0.0115, **bf16), torch.empty(t, inter, **bf16)) for _ in range(copies)]

        def silu_and_mul(i):
            x, out = sets[i % copies]
            torch.mul(F.silu(x[:, :inter]), x[:, inter:], out=out)
        return silu_and_mul, copies
    if op == "rotaryKvCache":
        cs = shared["cos_sin"]
        slots, blocks = slot_mapping(s)
        sets = []
        for _ in range(copies):
            positions = torch.randint(0, s["maxPosition"], (t,), device="cuda", generator=gen)
            sets.append((positions, torch.full((t, hq * d), 0.0115, **bf16), torch.full((t, hk * d), 0.0115, **bf16),
                         torch.full((t, hk * d), 0.0115, **bf16), torch.zeros(blocks * s["block"], hk, d, **bf16),
                         torch.zeros(blocks * s["block"], hk, d, **bf16)))

        def rotary(i):
            positions, q, k, v, key_cache, value_cache = sets[i % copies]
            row = cs[positions]
            cos, sin = row[:, None, : d // 2], row[:, None, d // 2:]
            q.copy_(neox(q.view(t, hq, d), cos, sin).view(t, hq * d))
            k.copy_(neox(k.view(t, hk, d), cos, sin).view(t, hk * d))
            key_cache.index_copy_(0, slots, k.view(t, hk, d))
            value_cache.index_copy_(0, slots, v.view(t, hk, d))
        return rotary, copies
    if op == "embedding":
        ids = [torch.randint(0, s["vocab"], (t,), device="cuda", generator=gen) for _ in range(copies)]
        table = shared["table"]
        return (lambda i: F.embedding(ids[i % copies], table)), copies
    raise ValueError(f"unknown op {op}")


shapes = json.load(sys.stdin)
first = shapes[0]
shared = {"norm_weight": torch.full((first["hidden"],), 1.5, **bf16), "cos_sin": cos_sin_cache(first),
          "table": torch.full((first["vocab"], first["hidden"]), 0.0115, **bf16)}
report = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "copy_gbps": copy_gbps(), "rows": []}
for s in shapes:
    call, copies = make_op(s, shared)
    us = graph_us(call, max(CALLS, copies))
    report["rows"].append({"op": s["op"], "t": s["t"], "us": us})
    print(f"torch {s['op']} T={s['t']}: {us:.2f} us, {s['bytes'] / us / 1e3:.0f} GB/s", flush=True)
    del call
    torch.cuda.empty_cache()
    json.dump(report, open(sys.argv[1], "w"), indent=1)  # so far: a timeout keeps these
