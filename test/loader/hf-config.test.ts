import { describe, expect, it } from 'vitest';

import { HipserveError, ModelFileError } from '../../src/errors.js';
import { hfToModelConfig } from '../../src/loader/hf-config.js';

const base = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: 1000, hidden_size: 256, intermediate_size: 512,
  num_hidden_layers: 4, num_attention_heads: 8, max_position_embeddings: 4096, rms_norm_eps: 1e-5, torch_dtype: 'bfloat16',
  bos_token_id: 1, eos_token_id: 2,
};
const translate = (over: Record<string, unknown>, generation?: unknown) =>
  hfToModelConfig({ ...base, ...over }, 'config.json', generation);

describe('hfToModelConfig', () => {
  it('fills every field of a plain llama config with transformers defaults', () => {
    const c = translate({});
    expect(c).toEqual({
      architecture: 'LlamaForCausalLM', modelType: 'llama', vocabSize: 1000, hiddenSize: 256, intermediateSize: 512,
      numHiddenLayers: 4, numAttentionHeads: 8, numKeyValueHeads: 8, headDim: 32, rmsNormEps: 1e-5, ropeTheta: 10000,
      rope: { type: 'default', factor: 1 }, partialRotaryFactor: 1, ropeIsNeox: true, maxPositionEmbeddings: 4096,
      tieWordEmbeddings: false, hiddenAct: 'silu', attentionBias: false, qkNorm: false, slidingWindow: null,
      bosTokenId: 1, eosTokenIds: [2], torchDtype: 'bfloat16', raw: { ...base },
    });
  });

  it('reads explicit head_dim, GQA and rope_theta', () => {
    expect(translate({ head_dim: 64, num_key_value_heads: 2, rope_theta: 1e6 })).toMatchObject({ headDim: 64, numKeyValueHeads: 2, ropeTheta: 1e6 });
    expect(translate({ head_dim: null }).headDim).toBe(32);
  });

  it('accepts rope_scaling with rope_type or the legacy type key', () => {
    expect(translate({ rope_scaling: { type: 'linear', factor: 2 } }).rope).toEqual({ type: 'linear', factor: 2 });
    expect(translate({ rope_scaling: { rope_type: 'dynamic', factor: 3 } }).rope).toEqual({ type: 'dynamic', factor: 3 });
    expect(translate({ rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }).rope)
      .toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    expect(translate({ rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768, beta_fast: 32, beta_slow: 1,
      mscale: 1, mscale_all_dim: 0.5, attention_factor: 1.2, truncate: false } }).rope)
      .toEqual({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768, betaFast: 32, betaSlow: 1, mscale: 1,
        mscaleAllDim: 0.5, attentionFactor: 1.2, truncate: false });
    expect(translate({ rope_scaling: null }).rope).toEqual({ type: 'default', factor: 1 });
  });

  it('accepts transformers 5 rope_parameters, which carry rope_theta', () => {
    const c = translate({ rope_parameters: { rope_type: 'yarn', factor: 2, rope_theta: 5e5, original_max_position_embeddings: 2048 } });
    expect(c.ropeTheta).toBe(5e5);
    expect(c.rope).toEqual({ type: 'yarn', factor: 2, originalMaxPositionEmbeddings: 2048 });
    expect(translate({ rope_parameters: { rope_type: 'default', rope_theta: 1e4 } }).rope).toEqual({ type: 'default', factor: 1 });
    const perLayer = translate({ rope_parameters: { full_attention: { rope_type: 'linear', factor: 2, rope_theta: 7 } } });
    expect(perLayer.rope).toEqual({ type: 'linear', factor: 2 });
  });

  it('takes eos as a number or a list, merged with generation_config.json', () => {
    expect(translate({ eos_token_id: [2, 7] }).eosTokenIds).toEqual([2, 7]);
    expect(translate({ eos_token_id: 2 }, { eos_token_id: [2, 9] }).eosTokenIds).toEqual([2, 9]);
    expect(translate({ eos_token_id: null, bos_token_id: null })).toMatchObject({ eosTokenIds: [], bosTokenId: null });
  });

  it('defaults tie_word_embeddings per model type', () => {
    expect(translate({}).tieWordEmbeddings).toBe(false);
    expect(translate({ tie_word_embeddings: true }).tieWordEmbeddings).toBe(true);
    expect(translate({ model_type: 'qwen2' }).tieWordEmbeddings).toBe(false);
    expect(translate({ model_type: 'gemma' }).tieWordEmbeddings).toBe(true);
    expect(translate({ model_type: 'some_new_model' }).tieWordEmbeddings).toBe(true);
  });

  it('knows Qwen2 biases, Qwen3 q/k norms and sliding windows', () => {
    expect(translate({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', sliding_window: 4096, use_sliding_window: false }))
      .toMatchObject({ attentionBias: true, qkNorm: false, slidingWindow: null });
    expect(translate({ architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', attention_bias: false, head_dim: 128 }))
      .toMatchObject({ attentionBias: false, qkNorm: true, headDim: 128 });
    expect(translate({ architectures: ['MistralForCausalLM'], model_type: 'mistral', sliding_window: 4096 }).slidingWindow).toBe(4096);
    expect(translate({ attention_bias: true }).attentionBias).toBe(true);
  });

  it('reads dtype (transformers 5), activations and a nested text_config', () => {
    expect(translate({ torch_dtype: undefined, dtype: 'float16' }).torchDtype).toBe('float16');
    expect(translate({ hidden_act: 'gelu_pytorch_tanh' }).hiddenAct).toBe('gelu_pytorch_tanh');
    const { hidden_size: _h, ...rest } = base;
    const nested = hfToModelConfig({ architectures: ['X'], model_type: 'llama', text_config: { ...rest, hidden_size: 128 } }, 'config.json');
    expect(nested).toMatchObject({ architecture: 'X', hiddenSize: 128, headDim: 16 });
    expect(hfToModelConfig({ ...base, architectures: undefined, model_type: 'qwen3' }, 'config.json').architecture).toBe('Qwen3ForCausalLM');
  });

  it('names the file and field of a bad config', () => {
    const { hidden_size: _h, ...noHidden } = base;
    expect(() => hfToModelConfig(noHidden, 'config.json')).toThrow(ModelFileError);
    expect(() => hfToModelConfig(noHidden, 'config.json')).toThrow('config.json: hidden_size: missing');
    expect(() => translate({ num_hidden_layers: '4' })).toThrow(/num_hidden_layers/);
    expect(() => translate({ num_key_value_heads: 3 })).toThrow(/num_key_value_heads/);
    expect(() => translate({ eos_token_id: [2, 'x'] })).toThrow(/eos_token_id/);
    expect(() => translate({ num_attention_heads: 7 })).toThrow(/head_dim/);
    expect(() => translate({ rope_scaling: { rope_type: 'linear', factor: 0 } })).toThrow(/rope_scaling\.factor/);
    expect(() => hfToModelConfig([], 'config.json')).toThrow(ModelFileError);
    expect(() => hfToModelConfig({ ...base, architectures: undefined, model_type: 'x' }, 'config.json')).toThrow(/architectures/);
  });

  it('refuses rope types and activations it cannot serve', () => {
    const err = (() => {
      try {
        translate({ rope_scaling: { rope_type: 'longrope', factor: 2 } });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(HipserveError);
    expect((err as HipserveError).code).toBe('unsupported');
    expect(() => translate({ hidden_act: 'relu2' })).toThrow(/relu2/);
  });
});
