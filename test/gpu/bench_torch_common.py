# Timing the torch peers of the GPU benchmarks in test/gpu share: imported as `bench_torch_common` by the scripts
# beside it (python3 puts a script's own folder first on sys.path).
import math
import os

import torch

# test/gpu/bench-gpu.sh measures the peaks once (bench-peaks.py) and hands them to every part through these.
COPY_ENV, MATMUL_ENV = "HIPSERVE_BENCH_COPY_GBPS", "HIPSERVE_BENCH_MATMUL_TFLOPS"


def event_ms(fn, iters):
    """Milliseconds per call of `fn`: CUDA events around `iters` calls back to back (no warm-up)."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / iters


def warm_event_us(fn, iters, warmup=3):
    """Microseconds per call of `fn` after `warmup` untimed calls (event_ms over `iters`)."""
    for _ in range(warmup):
        fn()
    return event_ms(fn, iters) * 1e3


def graph_us(call, calls, replays=None):
    """µs per call of call(i): 3 warm-up calls on a side stream, then `calls` calls captured into one graph and
    replayed `replays` times (None: as many as fill about 20 ms, 3 to 500)."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for i in range(3):
            call(i)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for i in range(calls):
            call(i)
    one_replay_ms = event_ms(graph.replay, 1)
    if replays is None:
        replays = max(3, min(500, math.ceil(20 / one_replay_ms)))
    return event_ms(graph.replay, replays) * 1e3 / calls


def copy_gbps(iters=20, measure=False):
    """The device-to-device copy bandwidth every GPU bench reports as its ceiling: GB/s (read + write) of a 1 GiB
    copy, eager (a copy captured into a graph becomes a copy-engine node, slower than the copy kernel). The value
    in $HIPSERVE_BENCH_COPY_GBPS where set (the same run's peaks part), unless `measure`."""
    if not measure and os.environ.get(COPY_ENV):
        return float(os.environ[COPY_ENV])
    x = torch.empty(2**30, dtype=torch.uint8, device="cuda")
    y = torch.empty_like(x)
    return 2 * 2**30 / warm_event_us(lambda: y.copy_(x), iters) / 1e3


def matmul_tflops(n=8192, iters=20, measure=False):
    """The dense bf16 peak as a large torch.matmul (n x n x n) reaches it, TFLOP/s; $HIPSERVE_BENCH_MATMUL_TFLOPS
    where set, unless `measure`."""
    if not measure and os.environ.get(MATMUL_ENV):
        return float(os.environ[MATMUL_ENV])
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    w = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    return 2 * n**3 / warm_event_us(lambda: a @ w, iters) / 1e6
