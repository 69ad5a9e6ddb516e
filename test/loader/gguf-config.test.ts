import { describe, expect, it } from 'vitest';

import { HipserveError, ModelFileError } from '../../src/errors.js';
import { parseGguf } from '../../src/loader/gguf.js';
import { ggufToModelConfig } from '../../src/loader/gguf-config.js';
import { meta, writeGguf, type MetaValue, type TensorSpec } from './fixtures/gguf-writer.js';

const tensor = (name: string): TensorSpec => ({ name, dims: [1], type: 0, data: new Uint8Array(4) });

function config(arch: string, extra: Record<string, MetaValue>, tensors: Array<string | TensorSpec> = ['output.weight']) {
  const bytes = writeGguf({
    metadata: {
      'general.architecture': meta.str(arch),
      [`${arch}.context_length`]: meta.u32(4096),
      [`${arch}.embedding_length`]: meta.u32(64),
      [`${arch}.block_count`]: meta.u32(3),
      [`${arch}.feed_forward_length`]: meta.u32(160),
      [`${arch}.attention.head_count`]: meta.u32(8),
      [`${arch}.attention.layer_norm_rms_epsilon`]: meta.f32(1e-5),
      'tokenizer.ggml.tokens': meta.arr('str', ['<unk>', '<s>', '</s>', 'a', '<eot>']),
      'tokenizer.ggml.bos_token_id': meta.u32(1),
      'tokenizer.ggml.eos_token_id': meta.u32(2),
      ...extra,
    },
    tensors: tensors.map((t) => (typeof t === 'string' ? tensor(t) : t)),
  });
  return ggufToModelConfig(parseGguf(bytes, 'test.gguf'), bytes);
}

/** convert_hf_to_gguf's llama3 rope_freqs.weight: one divisor per rotary frequency (freqs in float32, as torch). */
function llama3RopeFreqs(theta: number, dim: number, factor: number, low: number, high: number, context: number): TensorSpec {
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const freq = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / dim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < context / high) out[i] = 1;
    else if (wavelen > context / low) out[i] = factor;
    else {
      const smooth = (context / wavelen - low) / (high - low);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return { name: 'rope_freqs.weight', dims: [dim / 2], type: 0, data: new Uint8Array(out.buffer) };
}

describe('ggufToModelConfig', () => {
  it('translates llama metadata, with defaults for absent keys', () => {
    const c = config('llama', {});
    expect(c).toMatchObject({
      architecture: 'LlamaForCausalLM', modelType: 'llama', vocabSize: 5, hiddenSize: 64, intermediateSize: 160,
      numHiddenLayers: 3, numAttentionHeads: 8, numKeyValueHeads: 8, headDim: 8, ropeTheta: 10000,
      rope: { type: 'default', factor: 1 }, partialRotaryFactor: 1, ropeIsNeox: true, maxPositionEmbeddings: 4096,
      tieWordEmbeddings: false, hiddenAct: 'silu', attentionBias: false, qkNorm: false, slidingWindow: null,
      bosTokenId: 1, eosTokenIds: [2], torchDtype: 'float32',
    });
    expect(c.rmsNormEps).toBeCloseTo(1e-5, 10);
    expect(c.raw['general.architecture']).toBe('llama');
    expect(c.raw['tokenizer.ggml.tokens']).toBeUndefined();
  });

  it('reads GQA, rope base, partial rotary, linear scaling and end-of-turn ids', () => {
    const c = config('llama', {
      'llama.attention.head_count_kv': meta.u32(2),
      'llama.rope.freq_base': meta.f32(500000),
      'llama.rope.dimension_count': meta.u32(4),
      'llama.rope.scaling.type': meta.str('linear'),
      'llama.rope.scaling.factor': meta.f32(4),
      'tokenizer.ggml.eot_token_id': meta.u32(4),
    });
    expect(c).toMatchObject({ numKeyValueHeads: 2, ropeTheta: 500000, partialRotaryFactor: 0.5, rope: { type: 'linear', factor: 4 }, eosTokenIds: [2, 4] });
  });

  it('reads yarn scaling', () => {
    const c = config('qwen3', {
      'qwen3.rope.scaling.type': meta.str('yarn'),
      'qwen3.rope.scaling.factor': meta.f32(4),
      'qwen3.rope.scaling.original_context_length': meta.u32(32768),
    });
    expect(c.rope).toEqual({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768 });
  });

  it('recovers llama3 rope scaling from rope_freqs.weight', () => {
    const llama3 = (dim: number, theta: number, factor: number, low: number, high: number) => config('llama', {
      'llama.embedding_length': meta.u32(dim * 8),
      'llama.rope.freq_base': meta.f32(theta),
    }, ['output.weight', llama3RopeFreqs(theta, dim, factor, low, high, 8192)]).rope;
    const expected = (factor: number, low: number, high: number) =>
      ({ type: 'llama3', factor, lowFreqFactor: low, highFreqFactor: high, originalMaxPositionEmbeddings: 8192 });
    expect(llama3(128, 500000, 8, 1, 4)).toEqual(expected(8, 1, 4)); // Llama 3.1
    expect(llama3(64, 500000, 32, 1, 4)).toEqual(expected(32, 1, 4)); // Llama 3.2 1B
    expect(llama3(128, 500000, 16, 2, 3)).toEqual(expected(16, 2, 3));
    const random = { name: 'rope_freqs.weight', dims: [4], type: 0, data: new Uint8Array(new Float32Array([1, 3, 2, 5]).buffer) };
    expect(() => config('llama', {}, [random])).toThrow(/rope_freqs/);
  });

  it('knows qwen2 (biases) and qwen3 (q/k norm, explicit head size) from their tensors and keys', () => {
    const qwen2 = config('qwen2', {}, ['output.weight', 'blk.0.attn_q.bias']);
    expect(qwen2).toMatchObject({ architecture: 'Qwen2ForCausalLM', attentionBias: true, qkNorm: false });
    const qwen3 = config('qwen3', { 'qwen3.attention.key_length': meta.u32(16) }, ['blk.0.attn_q_norm.weight']);
    expect(qwen3).toMatchObject({ architecture: 'Qwen3ForCausalLM', headDim: 16, qkNorm: true, attentionBias: false });
  });

  it('ties the embeddings when there is no output.weight', () => {
    expect(config('llama', {}, []).tieWordEmbeddings).toBe(true);
  });

  it('takes the stored dtype from the first attention weight', () => {
    const bytes = writeGguf({
      metadata: { 'general.architecture': meta.str('llama'), 'llama.embedding_length': meta.u32(8), 'llama.block_count': meta.u32(1),
        'llama.feed_forward_length': meta.u32(8), 'llama.attention.head_count': meta.u32(2), 'llama.vocab_size': meta.u32(10) },
      tensors: [{ name: 'blk.0.attn_q.weight', dims: [32, 1], type: 8, data: new Uint8Array(34) }],
    });
    expect(ggufToModelConfig(parseGguf(bytes, 'test.gguf'), bytes)).toMatchObject({ torchDtype: 'q8_0', vocabSize: 10 });
  });

  it('names the file and key when metadata is missing or wrong', () => {
    const bytes = writeGguf({ metadata: { 'general.architecture': meta.str('llama'), 'llama.embedding_length': meta.u32(64) } });
    expect(() => ggufToModelConfig(parseGguf(bytes, 'test.gguf'), bytes)).toThrow(/test\.gguf: metadata\.llama\.attention\.head_count: missing/);
    expect(() => config('llama', { 'llama.block_count': meta.str('3') })).toThrow(ModelFileError);
    expect(() => config('llama', { 'llama.attention.head_count_kv': meta.u32(3) })).toThrow(/head_count_kv/);
    expect(() => config('llama', { 'llama.embedding_length': meta.u32(0) })).toThrow(/embedding_length/);
  });

  it('refuses architectures and rope types it cannot serve', () => {
    expect(() => config('falcon', {})).toThrow(HipserveError);
    expect(() => config('falcon', {})).toThrow(/falcon/);
    expect(() => config('llama', { 'llama.rope.scaling.type': meta.str('longrope') })).toThrow(/longrope/);
  });
});
