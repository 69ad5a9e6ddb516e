/** What distinguishes the members of the Llama family that share one implementation. */
export interface LlamaVariant {
  /** q/k/v projections carry biases (Qwen2; Llama with attention_bias). */
  readonly qkvBias: boolean;
  /** o_proj carries a bias (Llama with attention_bias). */
  readonly oBias: boolean;
  /** gate/up/down projections carry biases (Llama with mlp_bias). */
  readonly mlpBias: boolean;
  /** Per-head RMSNorm of q and k before RoPE (Qwen3). */
  readonly qkNorm: boolean;
}
