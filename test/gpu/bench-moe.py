# The torch peer of bench-moe.mjs, run after it on the same device: the same shapes and the same routing
# (<dir>/ids-<model>-<T>.i32), through the strongest plain-PyTorch MoE path: pairs sorted by expert, two
# torch._grouped_mm calls with offs, SiLU-and-mul between, the routing weights and index_add_ to combine; timed
# eager and replayed from a CUDA graph (the better counts). Also the device-to-device copy bandwidth. Prints the
# table beside hipserve's numbers (<dir>/moe-hipserve.json) and writes <out>/bench-moe.json. Further directories
# are bench-moe.mjs runs of other addons (a baseline): their automatic path's time in a column each.
# Usage: python3 test/gpu/bench-moe.py <dir> <out> [other run dir ...]
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from bench_torch_common import copy_gbps, event_ms

src, out_dir = sys.argv[1], sys.argv[2]
other_dirs = sys.argv[3:]
BUDGET = float(os.environ.get("MOE_BENCH_SECONDS", "0.15"))
dev = torch.device("cuda")
torch.manual_seed(0)


def event_time(fn, iters):
    return event_ms(fn, iters) / 1e3  # seconds


def timed(fn, budget=None):
    budget = budget or BUDGET
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    once = max(event_time(fn, 1), 1e-6)
    return event_time(fn, int(min(400, max(10, budget / once))))


def torch_moe(x, ids, weights, w13t, w2t, experts, inter, ones):
    flat = ids.view(-1)
    order = torch.argsort(flat, stable=True)
    token = order // ids.shape[1]
    counts = torch.zeros(experts, dtype=torch.int32, device=dev).scatter_add_(0, flat.long(), ones)
    offs = torch.cumsum(counts, 0, dtype=torch.int32)
    gu = torch._grouped_mm(x[token], w13t, offs=offs)
    act = F.silu(gu[:, :inter]) * gu[:, inter:]
    y = torch._grouped_mm(act, w2t, offs=offs)
    y = y * weights.view(-1)[order].unsqueeze(1).to(y.dtype)
    return torch.zeros_like(x).index_add_(0, token, y)


def graphed(fn):
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    return g.replay


MODELS = [("qwen3-30b-a3b", 2048, 768, 128, 8), ("deepseek-v3", 7168, 2048, 256, 8)]

ours = json.load(open(os.path.join(src, "moe-hipserve.json")))
rows = {(r["model"], r["tokens"]): r for r in ours["rows"]}
others = [{(r["model"], r["tokens"]): r["autoUs"] for r in json.load(open(os.path.join(d, "moe-hipserve.json")))["rows"]}
          for d in other_dirs]
copy_gbs = copy_gbps()
result = {"device": torch.cuda.get_device_name(), "copyGBs": copy_gbs, "callOverheadUs": ours["callOverheadUs"],
          "rows": []}
print(f"device: {result['device']}; device-to-device copy {copy_gbs:.0f} GB/s (read + write); "
      f"hipserve call overhead {ours['callOverheadUs']:.1f} us")
print(f"{'model':14} {'T':>4} {'exp':>4} {'hipserve us':>11} {'auto':>7} {'decode':>8} {'prefill':>8} {'GB/s':>6} {'%copy':>6} {'TFLOP/s':>7} "
      f"{'torch us':>9} {'(eager)':>9} {'speedup':>7}" + "".join(f" {os.path.basename(d)[-12:]:>12}" for d in other_dirs))
for name, h, i, e, k in MODELS:
    tokens = sorted({r["tokens"] for r in ours["rows"] if r["model"] == name})  # what bench-moe.mjs measured
    if not tokens:
        continue
    w13t = (torch.randn(e, 2 * i, h, dtype=torch.bfloat16, device=dev) * 0.02).transpose(1, 2)
    w2t = (torch.randn(e, h, i, dtype=torch.bfloat16, device=dev) * 0.02).transpose(1, 2)
    for t in tokens:
        ids = torch.from_numpy(np.fromfile(os.path.join(src, f"ids-{name}-{t}.i32"), dtype=np.int32)).view(t, k).to(dev)
        x = torch.randn(t, h, dtype=torch.bfloat16, device=dev)
        weights = torch.rand(t, k, device=dev)
        ones = torch.ones(t * k, dtype=torch.int32, device=dev)
        fn = lambda: torch_moe(x, ids, weights, w13t, w2t, e, i, ones)
        eager = timed(fn)
        try:
            graph = timed(graphed(fn))
        except Exception as err:  # noqa: BLE001 - report and keep the eager number
            print(f"  (no CUDA graph for torch at T={t}: {type(err).__name__})")
            graph = float("inf")
        torch_s = min(eager, graph)
        r = rows[(name, t)]
        ours_s = r["autoUs"] / 1e6
        gbs = r["weightBytes"] / ours_s / 1e9
        other_us = [o.get((name, t), float("nan")) for o in others]
        row = dict(r, otherUs=other_us, torchUs=torch_s * 1e6, torchEagerUs=eager * 1e6, torchGraphUs=graph * 1e6, gbs=gbs,
                   fractionOfCopy=gbs / copy_gbs, tflops=r["flop"] / ours_s / 1e12,
                   torchGbs=r["weightBytes"] / torch_s / 1e9)
        result["rows"].append(row)
        print(f"{name:14} {t:4} {r['distinctExperts']:4} {ours_s * 1e6:11.1f} {r['autoPath']:>7} {r.get('decodeUs', float('nan')):8.1f} {r['prefillUs']:8.1f} {gbs:6.0f} "
              f"{100 * row['fractionOfCopy']:5.0f}% {row['tflops']:7.1f} {torch_s * 1e6:9.1f} {eager * 1e6:9.1f} "
              f"{torch_s / ours_s:6.2f}x" + "".join(f" {us:12.1f}" for us in other_us))
    del w13t, w2t
    torch.cuda.empty_cache()
print("hipserve us: the automatic path; decode/prefill: each path forced. %copy: weight GB/s over the copy's "
      "bytes moved per second (read + write: the memory bandwidth a kernel can reach)")
json.dump(result, open(os.path.join(out_dir, "bench-moe.json"), "w"), indent=1)
