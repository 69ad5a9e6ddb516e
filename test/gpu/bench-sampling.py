# Torch peer of bench-sampling.mjs: argmax, and temperature/top-k/top-p sampling the way vLLM's torch fallback
# does it (sort, cumsum, mask, softmax, exponential-race draw), CUDA-event timed.
import torch
for v in (128256, 151936):
    for b in (1, 64, 256):
        x = torch.randn(b, v, device="cuda") * 4
        def greedy(): return x.argmax(-1)
        def topkp():
            l = x / 0.8
            s, idx = l.sort(-1, descending=False)
            s[s < s[:, -50:-49]] = -float("inf")
            p = s.softmax(-1).cumsum(-1)
            s[p <= 1 - 0.9] = -float("inf")
            q = torch.empty_like(s).exponential_()
            return idx.gather(-1, (s.softmax(-1) / q).argmax(-1, keepdim=True))
        for name, f in (("greedy", greedy), ("T0.8 k50 p0.9", topkp)):
            for _ in range(3): f()
            st, en = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            st.record()
            for _ in range(20): f()
            en.record(); torch.cuda.synchronize()
            print(f"torch V={v} B={b} {name}: {st.elapsed_time(en) / 20 * 1e3:.0f} us")
