# The two peaks every GPU bench part is compared with, measured once per run (test/gpu/bench-gpu.sh): the
# device-to-device copy bandwidth (GB/s, read + write, 1 GiB, eager) and the dense bf16 FLOP rate a large
# torch.matmul reaches (8192^3). Usage: python3 test/gpu/bench-peaks.py peaks.json
import json
import sys

import torch

from bench_torch_common import copy_gbps, matmul_tflops

N = 8192
peaks = {"device": torch.cuda.get_device_name(), "torch": torch.__version__,
         "copy_gbps": copy_gbps(measure=True), "matmul_tflops": matmul_tflops(N, measure=True), "matmul_n": N}
json.dump(peaks, open(sys.argv[1], "w"), indent=1)
print(f"{peaks['device']}, torch {peaks['torch']}: device-to-device copy {peaks['copy_gbps']:.0f} GB/s (read + write); "
      f"bf16 torch.matmul {N}^3 {peaks['matmul_tflops']:.0f} TFLOP/s")
