import { latentDim, type MlaDims, mlaDims } from '../layers/attention/mla-dims.js';
import { MlaLatentCache } from '../layers/attention/mla-latent-cache.js';
import { MlaRotary } from '../layers/attention/mla-rotary.js';
import { MlaScratch } from '../layers/attention/mla-scratch.js';
import { groupedSigmoidMoeSpec, moeScratchFor } from '../layers/fused-moe-config.js';
import { DeepseekV3DecoderLayer, type DeepseekV3Step, firstKDenseReplace, type SparseMlp }
  from './deepseek-v3-decoder-layer.js';
import { type BaseStep, DecoderOnlyLM, DEFAULT_MAX_BATCHED_TOKENS } from './decoder-only-lm.js';
import type { ModelBuildContext } from './model-registry.js';

/**
 * DeepSeek-V3 (and Kimi-K2, which loads through it) on a platform whose attention backend is MLA: embedding →
 * pre-norm blocks of latent attention and dense or MoE MLPs → final norm → lm_head. Each layer caches one latent
 * per token (k_pe and c_kv: kv_lora_rank + qk_rope_head_dim floats), one KV-cache group for the serving core.
 */
export class DeepseekV3ForCausalLM extends DecoderOnlyLM<DeepseekV3Step, MlaLatentCache, DeepseekV3DecoderLayer> {
  private readonly dims: MlaDims;
  private readonly mla: MlaScratch;

  constructor(context: ModelBuildContext) {
    const { config, weights, kernels, options } = context;
    // Only hidden, residual and the dense MLP's scratch are used; MLA keeps its own activations.
    super(context, 'mla', { hiddenSize: config.hiddenSize, numHeads: 1, numKvHeads: 1, headDim: 1,
      intermediateSize: config.intermediateSize });
    const { ops } = kernels;
    this.dims = mlaDims(config);
    const rotary = new MlaRotary(ops, config, this.dims.qkRopeHeadDim, options.maxModelLen ?? config.maxPositionEmbeddings);
    const firstSparse = firstKDenseReplace(config);
    let sparse: SparseMlp | null = null;
    if (firstSparse < config.numHiddenLayers) {
      const spec = groupedSigmoidMoeSpec(config);
      sparse = { spec, scratch: moeScratchFor(spec) };
    }
    for (let i = 0; i < config.numHiddenLayers; i++) {
      this.layers.push(new DeepseekV3DecoderLayer(ops, weights, i, config, this.dims, rotary,
        i >= firstSparse ? sparse : null));
      options.onProgress?.({ stage: 'layers', done: i + 1, total: config.numHiddenLayers });
    }
    this.mla = new MlaScratch(this.dims, options.maxNumBatchedTokens ?? DEFAULT_MAX_BATCHED_TOKENS);
  }

  kvCacheBytesPerBlock(blockSize: number): number {
    return this.layers.length * MlaLatentCache.bytesPerBlock(blockSize, latentDim(this.dims));
  }

  protected createCache(numBlocks: number, blockSize: number): MlaLatentCache {
    return new MlaLatentCache(numBlocks, blockSize, latentDim(this.dims));
  }

  protected layerStep(base: BaseStep): DeepseekV3Step {
    return { ...base, mla: this.mla.views(base.views.numTokens) };
  }
}
