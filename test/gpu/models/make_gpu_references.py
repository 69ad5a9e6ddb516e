#!/usr/bin/env python3
"""GPU-machine references for the GPU model tests and the decode benchmark (run by test/gpu/device-run.sh).

    python3 test/gpu/models/make_gpu_references.py OUT_DIR [--big] [--big-moe] [--only NAME]

Builds random-weight models of the dense and MoE architectures with Hugging Face transformers, saves them in bf16
(safetensors) and records, per prompt, the greedy continuation transformers computes on the GPU in bf16 and, at
every position, its top-1 token, the top-2 margin and the logits (teacher forcing: the test feeds the same tokens
and compares only where the margin exceeds bf16 noise). --big adds a Qwen3-8B-shaped and a Llama-3-8B-shaped model
(16 GB each) and times transformers' generate on the Llama one at batch 1, 8, 64 and 256 beside the measured
device-to-device copy bandwidth, for the decode benchmark (src/bench/gpu-decode.ts). --big-moe adds a
Qwen3-30B-A3B-shaped model (61 GB, saved under $HIPSERVE_BIG_MOE_DIR, default /dev/shm/hipserve-big-moe) and, with
HIPSERVE_HF_MOE_GENERATE=1, times transformers' generate on it at batch 1, 16 and 128. --only NAME builds that one
big model alone (no small ones), e.g. `--only llama3-8b-shaped` for the decode benchmark of test/gpu/bench-gpu.sh;
the copy bandwidth in summary.json is $HIPSERVE_BENCH_COPY_GBPS where set (bench_torch_common.copy_gbps).
"""
import json
import os
import sys
import time

import torch
from transformers import AutoConfig, AutoModelForCausalLM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from bench_torch_common import copy_gbps  # noqa: E402  (test/gpu, beside the other benches' peers)

SMALL = dict(vocab_size=1024, hidden_size=512, intermediate_size=1024, num_hidden_layers=3,
             num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=4096, rms_norm_eps=1e-5,
             bos_token_id=1, eos_token_id=2)

MODELS = {
    "llama": ("llama", dict(tie_word_embeddings=False, head_dim=64, rope_theta=500000.0,
                            rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                                              high_freq_factor=4.0, original_max_position_embeddings=256))),
    "mistral": ("mistral", dict(tie_word_embeddings=False, sliding_window=48, head_dim=64, rope_theta=10000.0)),
    "qwen2": ("qwen2", dict(tie_word_embeddings=True, rope_theta=1000000.0, use_sliding_window=False,
                            rope_scaling=dict(rope_type="yarn", factor=4.0, original_max_position_embeddings=512))),
    "qwen3": ("qwen3", dict(tie_word_embeddings=False, head_dim=128, rope_theta=1000000.0, use_sliding_window=False)),
}

# MoE members of the Llama family (gpt-oss in bf16, without MXFP4; its sinks need the eager attention).
MOE_MODELS = {
    "qwen3_moe": ("qwen3_moe", dict(num_experts=16, num_experts_per_tok=4, moe_intermediate_size=256,
                                    norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[0], head_dim=64,
                                    tie_word_embeddings=False, rope_theta=1000000.0, use_sliding_window=False)),
    "mixtral": ("mixtral", dict(num_local_experts=8, num_experts_per_tok=2, intermediate_size=512, head_dim=64,
                                tie_word_embeddings=False, rope_theta=1000000.0, sliding_window=None)),
    "glm4_moe": ("glm4_moe", dict(n_routed_experts=16, n_shared_experts=1, num_experts_per_tok=4, n_group=4,
                                  topk_group=2, first_k_dense_replace=1, moe_intermediate_size=256,
                                  partial_rotary_factor=0.5, use_qk_norm=True, routed_scaling_factor=1.5,
                                  attention_bias=True, head_dim=64, norm_topk_prob=True, tie_word_embeddings=False)),
    "gpt_oss": ("gpt_oss", dict(num_local_experts=8, num_experts_per_tok=2, intermediate_size=512, head_dim=64,
                                sliding_window=32, layer_types=["sliding_attention", "full_attention",
                                                                "sliding_attention"],
                                swiglu_limit=7.0, tie_word_embeddings=False, attention_bias=True,
                                rope_scaling=dict(rope_type="yarn", factor=4.0, original_max_position_embeddings=512,
                                                  beta_fast=32.0, beta_slow=1.0, truncate=False),
                                attn_implementation="eager")),
    # MLA: latent 128 + rope 64 per token, q through q_lora, yarn with mscale; interleaved rope as DeepSeek-V3.
    # One expert group: with 4 groups of 4 (GLM's case above covers grouped routing on the GPU) the group sums
    # near-tie, and bf16 flips them at a few tokens of every prompt (measured: 2 of 70 tokens in one MoE layer).
    "deepseek_v3": ("deepseek_v3", dict(num_key_value_heads=8, q_lora_rank=96, kv_lora_rank=128, qk_rope_head_dim=64,
                                        qk_nope_head_dim=64, v_head_dim=64, head_dim=64, n_routed_experts=16,
                                        n_shared_experts=1, num_experts_per_tok=4, n_group=1, topk_group=1,
                                        first_k_dense_replace=1, moe_intermediate_size=256, routed_scaling_factor=2.5,
                                        norm_topk_prob=True, rope_interleave=True, tie_word_embeddings=False,
                                        rope_scaling=dict(rope_type="yarn", factor=4.0, original_max_position_embeddings=512,
                                                          beta_fast=32, beta_slow=1, mscale=1.0, mscale_all_dim=1.0),
                                        attn_implementation="eager", router_scale=1.0)),
}

BIG_MOE_DIR = os.environ.get("HIPSERVE_BIG_MOE_DIR", "/dev/shm/hipserve-big-moe")
BIG_MOE = {
    "qwen3-30b-a3b-shaped": ("qwen3_moe", dict(vocab_size=151936, hidden_size=2048, intermediate_size=6144,
                                               moe_intermediate_size=768, num_experts=128, num_experts_per_tok=8,
                                               norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[],
                                               num_hidden_layers=48, num_attention_heads=32, num_key_value_heads=4,
                                               head_dim=128, max_position_embeddings=40960, rms_norm_eps=1e-6,
                                               rope_theta=1000000.0, tie_word_embeddings=False, bos_token_id=1,
                                               eos_token_id=2, use_sliding_window=False)),
}

BIG = {
    "qwen3-8b-shaped": ("qwen3", dict(vocab_size=151936, hidden_size=4096, intermediate_size=12288,
                                      num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8,
                                      head_dim=128, max_position_embeddings=40960, rms_norm_eps=1e-6,
                                      rope_theta=1000000.0, tie_word_embeddings=False, bos_token_id=1,
                                      eos_token_id=2, use_sliding_window=False)),
    "llama3-8b-shaped": ("llama", dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336,
                                       num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                                       head_dim=128, max_position_embeddings=8192, rms_norm_eps=1e-5,
                                       rope_theta=500000.0, tie_word_embeddings=False, bos_token_id=1,
                                       eos_token_id=2)),
}


def spread(model, seed, hidden, router_scale=4.0):
    """Weights with a larger spread than training init, so greedy choices are more decisive. Routers get
    router_scale / sqrt(fan_in): lm_head's 4 for softmax routers, so bf16 noise flips fewer expert choices; sigmoid
    routers want less, or their scores saturate at 1 and tie."""
    gen = torch.Generator(device="cuda").manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_((torch.randn(p.shape, generator=gen, device="cuda") * 0.1 + (0 if "bias" in name else 1)))
            else:
                router = name.endswith(("mlp.gate.weight", "router.weight"))
                scale = 1.0 if "embed" in name else (
                    router_scale if router else 4.0 if "lm_head" in name else 1.2) / p.shape[-1] ** 0.5
                p.copy_(torch.randn(p.shape, generator=gen, device="cuda") * scale)


def prompts(vocab, lengths):
    return [[1] + [(i * 7919 + 13 * n) % (vocab - 3) + 3 for i in range(n - 1)] for n in lengths]


def reference(model, prompt, new_tokens):
    ids = torch.tensor([prompt], device="cuda")
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                             pad_token_id=0, eos_token_id=None)
        full = out[0].tolist()
        logits = model(out).logits[0].float()  # teacher-forced logits at every position
    top2 = logits.topk(2, dim=-1)
    start = len(prompt) - 1
    rows = list(range(start, len(full) - 1))
    return dict(prompt=prompt, tokens=full[len(prompt):],
                top1=[int(top2.indices[r, 0]) for r in rows],
                margin=[float(top2.values[r, 0] - top2.values[r, 1]) for r in rows],
                logits_first=logits[start].tolist(), logits_last=logits[rows[-1]].tolist())


def build(name, model_type, extra, out_dir, seed, common, shard="20GB"):
    extra = dict(extra)
    attn = extra.pop("attn_implementation", "sdpa")
    router_scale = extra.pop("router_scale", 4.0)
    config = AutoConfig.for_model(model_type, **{**common, **extra})
    torch.manual_seed(seed)
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16, attn_implementation=attn)
    spread(model, seed, config.hidden_size, router_scale)
    model.eval()
    path = os.path.join(out_dir, name)
    model.save_pretrained(path, safe_serialization=True, max_shard_size=shard)
    return model, config, path


def generate_rate(model, batch, prompt_len, new_tokens):
    ids = torch.randint(3, 1000, (batch, prompt_len), device="cuda")
    kw = dict(do_sample=False, pad_token_id=0, eos_token_id=None)
    with torch.no_grad():
        model.generate(ids, max_new_tokens=4, min_new_tokens=4, **kw)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        model.generate(ids, max_new_tokens=1, min_new_tokens=1, **kw)
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        model.generate(ids, max_new_tokens=new_tokens + 1, min_new_tokens=new_tokens + 1, **kw)
        torch.cuda.synchronize()
        t2 = time.perf_counter()
    decode_s = (t2 - t1) - (t1 - t0)  # the prefill (and first token) cancels out
    return batch * new_tokens / decode_s


def main(out_dir, big, big_moe, only=None):
    os.makedirs(out_dir, exist_ok=True)
    small = {} if only else {**MODELS, **MOE_MODELS}
    summary = dict(device=torch.cuda.get_device_name(), torch=torch.__version__, models={},
                   moe_models=[name for name in MOE_MODELS if name in small], hf_generate_tok_s_by_model={})
    for seed, (name, (model_type, extra)) in enumerate(small.items()):
        model, config, path = build(name, model_type, extra, out_dir, 100 + seed, SMALL)
        cases = [reference(model, p, 24) for p in prompts(config.vocab_size, (5, 70, 150))]
        json.dump(dict(cases=cases), open(os.path.join(path, "gpu_reference.json"), "w"))
        summary["models"][name] = path
        del model
    if big or only:
        summary["copy_gbps"] = copy_gbps()
        for seed, (name, (model_type, extra)) in enumerate(BIG.items()):
            if only and name != only:
                continue
            model, config, path = build(name, model_type, extra, out_dir, 200 + seed, {})
            summary["models"][name] = path
            write_summary(out_dir, summary)  # the model and copy_gbps are usable before the timings below end
            if name.startswith("qwen3"):
                cases = [reference(model, p, 16) for p in prompts(config.vocab_size, (9, 300))]
                json.dump(dict(cases=cases), open(os.path.join(path, "gpu_reference.json"), "w"))
            else:
                rates = summary["hf_generate_tok_s"] = {}
                for b in (1, 8, 64, 256):
                    rates[str(b)] = generate_rate(model, b, 128, 32)
                    write_summary(out_dir, summary)
            del model
            torch.cuda.empty_cache()
    if big_moe:
        summary.setdefault("copy_gbps", copy_gbps())
        for name, (model_type, extra) in BIG_MOE.items():
            # 61 GB: the GPU machine's disk has ~64 GB free, its RAM-backed /dev/shm 128 GB; shards of 5 GB keep the
            # host copy save_pretrained makes small.
            model, config, path = build(name, model_type, extra, BIG_MOE_DIR, 300, {}, shard="5GB")
            if os.environ.get("HIPSERVE_HF_MOE_GENERATE") == "1":  # minutes of transformers' per-expert loops
                summary["hf_generate_tok_s_by_model"][name] = {str(b): generate_rate(model, b, 128, 16)
                                                               for b in (1, 16, 128)}
            summary["models"][name] = path
            del model
            torch.cuda.empty_cache()
    write_summary(out_dir, summary)
    print(json.dumps({k: v for k, v in summary.items() if k != "models"}))


def write_summary(out_dir, summary):
    json.dump(summary, open(os.path.join(out_dir, "summary.json"), "w"), indent=1)


if __name__ == "__main__":
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    if only is not None and only not in BIG:
        sys.exit(f"--only: one of {', '.join(BIG)}, not {only}")
    main(sys.argv[1], "--big" in sys.argv, "--big-moe" in sys.argv, only)
