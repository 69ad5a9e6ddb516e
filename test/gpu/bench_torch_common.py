# Timing the torch peers of the GPU benchmarks in test/gpu share: imported as `bench_torch_common` by the scripts
# beside it (python3 puts a script's own folder first on sys.path).
import torch


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


def copy_gbps(iters=20):
    """The device-to-device copy bandwidth every GPU bench reports as its ceiling: GB/s (read + write) of a 1 GiB
    copy, eager (a copy captured into a graph becomes a copy-engine node, slower than the copy kernel)."""
    x = torch.empty(2**30, dtype=torch.uint8, device="cuda")
    y = torch.empty_like(x)
    return 2 * 2**30 / warm_event_us(lambda: y.copy_(x), iters) / 1e3
