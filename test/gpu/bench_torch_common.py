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
