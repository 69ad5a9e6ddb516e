"""A small Llama with random, decisive weights (make_gpu_references.spread) and the vocabulary of a real tokenizer,
for `hipserve serve` on the GPU: python3 test/gpu/server/make_serve_model.py OUT_DIR TOKENIZER_DIR.
TOKENIZER_DIR holds tokenizer.json and tokenizer_config.json (stories260K's: 512 entries); the model's vocabulary
is sized to it so every id it can produce decodes."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
from make_gpu_references import build  # noqa: E402

out_dir, tokenizer_dir = sys.argv[1], sys.argv[2]
vocab = len(json.load(open(os.path.join(tokenizer_dir, "tokenizer.json")))["model"]["vocab"])
config = dict(vocab_size=vocab, hidden_size=256, intermediate_size=512, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, head_dim=64, max_position_embeddings=512, rms_norm_eps=1e-5,
              rope_theta=10000.0, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
_, _, path = build("serve-llama", "llama", config, out_dir, 7, {})
for name in ("tokenizer.json", "tokenizer_config.json"):
    shutil.copy(os.path.join(tokenizer_dir, name), path)
print(path)
