/** llama.cpp tensor names (gguf-py constants.py) to Hugging Face names, for llama, qwen2 and qwen3. */

const GLOBAL: ReadonlyMap<string, string> = new Map([
  ['token_embd.weight', 'model.embed_tokens.weight'],
  ['output_norm.weight', 'model.norm.weight'],
  ['output.weight', 'lm_head.weight'],
]);

const PER_LAYER: ReadonlyMap<string, string> = new Map([
  ['attn_q', 'self_attn.q_proj'],
  ['attn_k', 'self_attn.k_proj'],
  ['attn_v', 'self_attn.v_proj'],
  ['attn_output', 'self_attn.o_proj'],
  ['attn_q_norm', 'self_attn.q_norm'],
  ['attn_k_norm', 'self_attn.k_norm'],
  ['attn_norm', 'input_layernorm'],
  ['ffn_norm', 'post_attention_layernorm'],
  ['ffn_gate', 'mlp.gate_proj'],
  ['ffn_up', 'mlp.up_proj'],
  ['ffn_down', 'mlp.down_proj'],
]);

const LAYER_NAME = /^blk\.(\d+)\.(\w+)\.(weight|bias)$/;

/** The Hugging Face name of a llama.cpp tensor, or null when it has none (e.g. rope_freqs.weight). */
export function hfTensorName(ggufName: string): string | null {
  const global = GLOBAL.get(ggufName);
  if (global) return global;
  const m = LAYER_NAME.exec(ggufName);
  const part = m && PER_LAYER.get(m[2]!);
  return part ? `model.layers.${m[1]}.${part}.${m[3]}` : null;
}
