import type { ModelConfig } from '../loader/model-config.js';
import { DeepseekV3ForCausalLM } from './deepseek-v3.js';
import { glm4MoeVariant } from './glm4-moe.js';
import { gptOssVariant } from './gpt-oss.js';
import { isGpuKernelContext } from '../platforms/gpu/gpu-platform.js';
import { GpuDeepseekV3ForCausalLM } from './gpu/gpu-deepseek-v3.js';
import { GpuLlamaForCausalLM } from './gpu/gpu-llama.js';
import { LlamaForCausalLM } from './llama.js';
import type { LlamaVariant } from './llama-variant.js';
import { mixtralVariant } from './mixtral.js';
import { ModelRegistry } from './model-registry.js';
import { qwen3MoeVariant } from './qwen3-moe.js';

const LLAMA_FAMILY: Readonly<Record<string, (config: ModelConfig) => LlamaVariant>> = {
  LlamaForCausalLM: (c) => ({ qkvBias: c.attentionBias, oBias: c.attentionBias, mlpBias: c.raw.mlp_bias === true,
    qkNorm: false }),
  MistralForCausalLM: () => ({ qkvBias: false, oBias: false, mlpBias: false, qkNorm: false }),
  Qwen2ForCausalLM: () => ({ qkvBias: true, oBias: false, mlpBias: false, qkNorm: false }),
  Qwen3ForCausalLM: (c) => ({ qkvBias: c.attentionBias, oBias: c.attentionBias, mlpBias: false, qkNorm: true }),
  Qwen3MoeForCausalLM: qwen3MoeVariant,
  MixtralForCausalLM: mixtralVariant,
  Glm4MoeForCausalLM: glm4MoeVariant,
  GptOssForCausalLM: gptOssVariant,
};

/** A registry holding hipserve's own model implementations, before any general plugin overrides them. */
export function createModelRegistry(): ModelRegistry {
  const registry = new ModelRegistry();
  for (const [architecture, variant] of Object.entries(LLAMA_FAMILY)) {
    registry.register(architecture, (context) => {
      const { kernels } = context;
      return isGpuKernelContext(kernels)
        ? new GpuLlamaForCausalLM({ ...context, kernels }, variant(context.config))
        : new LlamaForCausalLM(context, variant(context.config));
    });
  }
  // Kimi-K2 checkpoints name this architecture too.
  registry.register('DeepseekV3ForCausalLM', (context) => {
    const { kernels } = context;
    return isGpuKernelContext(kernels) ? new GpuDeepseekV3ForCausalLM({ ...context, kernels })
      : new DeepseekV3ForCausalLM(context);
  });
  return registry;
}
