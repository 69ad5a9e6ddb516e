"""A random-weight checkpoint of a transformers architecture, streamed to one safetensors file a tensor at a time,
for shapes that save_pretrained cannot hold twice in memory (a Qwen3-30B-A3B-shaped model is 61 GB in bf16):

    python3 test/gpu/models/make_random_checkpoint.py OUT_DIR MODEL_TYPE '{"hidden_size": 2048, ...}'

The model is built on the meta device for the names and shapes save_pretrained would write (transformers 5 keeps
some experts fused, e.g. mlp.experts.gate_up_proj; hipserve loads both forms). Weights are drawn on the GPU with
make_gpu_references.spread's scales: matrices N(0, 1.2²/fan_in) (lm_head 4²/fan_in, embeddings N(0, 1)), vectors
1 + N(0, 0.1²) (biases N(0, 0.1²)). Writes OUT_DIR/config.json and OUT_DIR/model.safetensors; prints OUT_DIR.
"""
import json
import os
import sys

import torch
from transformers import AutoConfig, AutoModelForCausalLM


def draw(name, shape, gen):
    x = torch.randn(shape, generator=gen, device="cuda", dtype=torch.float32)
    if len(shape) == 1:
        x = x * 0.1 + (0 if "bias" in name else 1)
    else:
        x = x * (1.0 if "embed" in name else (4.0 if "lm_head" in name else 1.2) / shape[-1] ** 0.5)
    return x.to(torch.bfloat16)


def main(out_dir, model_type, overrides):
    config = AutoConfig.for_model(model_type, **overrides)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    tensors = [(n, tuple(p.shape)) for n, p in model.state_dict().items()]
    header, offset = {}, 0
    for name, shape in tensors:
        size = 2 * int(torch.tensor(shape).prod().item()) if shape else 2
        header[name] = dict(dtype="BF16", shape=list(shape), data_offsets=[offset, offset + size])
        offset += size
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    os.makedirs(out_dir, exist_ok=True)
    config.save_pretrained(out_dir)
    gen = torch.Generator(device="cuda").manual_seed(1234)
    with open(os.path.join(out_dir, "model.safetensors"), "wb") as f:
        f.write(len(raw).to_bytes(8, "little"))
        f.write(raw)
        for name, shape in tensors:
            f.write(draw(name, shape, gen).view(torch.int16).cpu().numpy().tobytes())
    print(out_dir)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))
