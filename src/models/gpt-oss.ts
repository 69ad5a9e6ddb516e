import { baseMoeSpec, moeConfig, moeScratchFor } from '../layers/fused-moe-config.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { LlamaVariant } from './llama-variant.js';

const SWIGLU_ALPHA = 1.702;

/**
 * gpt-oss: attention with biases and sinks, sliding-window and full layers as config.layer_types says; every layer
 * sparse with a biased router (top-k → softmax) and biased experts stored fused and interleaved, activated by the
 * clamped swiglu (alpha 1.702, limit swiglu_limit).
 */
export function gptOssVariant(config: ModelConfig): LlamaVariant {
  const moe = moeConfig(config);
  const limit = typeof config.raw.swiglu_limit === 'number' ? config.raw.swiglu_limit : 7;
  const spec = {
    ...baseMoeSpec(config, moe),
    route: { router: 'topk_softmax', topK: moe.topK },
    routerName: 'router',
    routerBias: true,
    experts: { kind: 'gptOss' },
    activation: { activation: 'swiglu_oai', alpha: SWIGLU_ALPHA, limit },
  } as const;
  const scratch = moeScratchFor(spec);
  const layerTypes = Array.isArray(config.raw.layer_types) ? config.raw.layer_types as unknown[] : [];
  return {
    qkvBias: true, oBias: true, mlpBias: false, qkNorm: false, attentionSinks: true,
    slidingWindowOf: (index) => (layerTypes[index] === 'sliding_attention' ? config.slidingWindow : null),
    moeLayerOf: () => ({ name: 'mlp', spec, scratch }),
  };
}
