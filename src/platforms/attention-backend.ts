import type { ModelConfig } from '../loader/model-config.js';
import type { AttentionBackendName } from './platform.js';

/** DeepSeek-V3-style configs compress K/V into a latent of kv_lora_rank dims: they need MLA. */
export function attentionBackendFor(config: ModelConfig): AttentionBackendName {
  const rank = config.raw.kv_lora_rank;
  return typeof rank === 'number' && rank > 0 ? 'mla' : 'mha';
}
