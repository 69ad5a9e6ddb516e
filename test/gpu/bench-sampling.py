# Torch peer of bench-sampling.mjs: argmax, and temperature/top-k/top-p sampling the way vLLM's torch fallback
# does it (sort, cumsum, mask, softmax, exponential-race draw), CUDA-event timed, on f32 logits [B, V]. One JSON
# line per case. SAMPLING_VOCABS (comma-separated) picks the vocabulary sizes, as in bench-sampling.mjs.
import json
import os

import torch

from bench_torch_common import warm_event_us


def top_k_top_p(x):
    s, idx = (x / 0.8).sort(-1, descending=False)
    s[s < s[:, -50:-49]] = -float("inf")
    p = s.softmax(-1).cumsum(-1)
    s[p <= 1 - 0.9] = -float("inf")
    q = torch.empty_like(s).exponential_()
    return idx.gather(-1, (s.softmax(-1) / q).argmax(-1, keepdim=True))


for v in map(int, os.environ.get("SAMPLING_VOCABS", "128256,151936").split(",")):
    for b in (1, 64, 256):
        x = torch.randn(b, v, device="cuda") * 4
        for name, f in (("greedy", lambda: x.argmax(-1)), ("T0.8 k50 p0.9", lambda: top_k_top_p(x))):
            print(json.dumps({"vocab": v, "batch": b, "case": name, "torchUs": warm_event_us(f, 20)}), flush=True)
