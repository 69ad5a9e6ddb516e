/** The one internal model configuration, translated from config.json or GGUF metadata. */

export type RopeType = 'default' | 'linear' | 'dynamic' | 'llama3' | 'yarn';

export interface RopeScaling {
  type: RopeType;
  factor: number;
  originalMaxPositionEmbeddings?: number;
  /** llama3 */
  lowFreqFactor?: number;
  highFreqFactor?: number;
  /** yarn */
  betaFast?: number;
  betaSlow?: number;
  mscale?: number;
  mscaleAllDim?: number;
  attentionFactor?: number;
  truncate?: boolean;
}

export type HiddenAct = 'silu' | 'gelu_pytorch_tanh' | 'gelu';

export interface ModelConfig {
  /** Hugging Face architecture name, the model registry's key (e.g. LlamaForCausalLM). */
  architecture: string;
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  rope: RopeScaling;
  /** Fraction of each head's dims that rotate (1 = all). */
  partialRotaryFactor: number;
  /** neox (rotate-half) is Hugging Face's layout; GPT-J interleaved otherwise. */
  ropeIsNeox: boolean;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  hiddenAct: HiddenAct;
  /** q/k/v projections carry biases (Qwen2). */
  attentionBias: boolean;
  /** per-head RMSNorm on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  /** > 0 for sliding-window attention; null when every layer is full. */
  slidingWindow: number | null;
  bosTokenId: number | null;
  eosTokenIds: number[];
  /** Checkpoint dtype as stored (float32, float16, bfloat16, ...). */
  torchDtype: string;
  /** The original config.json (or GGUF metadata as an object) for model-specific fields. */
  raw: Readonly<Record<string, unknown>>;
}
