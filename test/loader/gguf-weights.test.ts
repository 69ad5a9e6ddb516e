import { describe, expect, it } from 'vitest';

import { f32ToBf16, f32ToF16, toF16Array } from '../../bindings/half.js';
import { HipserveError, ModelFileError } from '../../src/errors.js';
import { parseGguf } from '../../src/loader/gguf.js';
import { GgufWeights } from '../../src/loader/gguf-weights.js';
import type { WeightTensor } from '../../src/loader/weights.js';
import { randomF32 } from '../helpers/random.js';
import { meta, writeGguf, type GgufSpec, type MetaValue, type TensorSpec } from './fixtures/gguf-writer.js';
import { quantizeQ4_0, quantizeQ8_0 } from './fixtures/quantize.js';

const F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, I8 = 24, BF16 = 30, Q4_K = 12;

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const f32Tensor = (name: string, dims: number[], values: ArrayLike<number>): TensorSpec =>
  ({ name, dims, type: F32, data: bytesOf(Float32Array.from(values)) });
const asF32 = (t: WeightTensor) => {
  expect(t.dtype).toBe('f32');
  return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
};

function llamaMeta(arch: string, heads: number, kvHeads: number): Record<string, MetaValue> {
  return {
    'general.architecture': meta.str(arch),
    [`${arch}.attention.head_count`]: meta.u32(heads),
    [`${arch}.attention.head_count_kv`]: meta.u32(kvHeads),
  };
}

function open(spec: GgufSpec): GgufWeights {
  const bytes = writeGguf(spec);
  return new GgufWeights('test.gguf', bytes, parseGguf(bytes, 'test.gguf'));
}

/** convert_hf_to_gguf's permute(): reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1, 2). */
function hfToGgufPermute(w: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = rows / nHead / 2;
  let r = 0;
  for (let h = 0; h < nHead; h++) {
    for (let j = 0; j < half; j++) {
      for (let s = 0; s < 2; s++, r++) {
        const src = h * 2 * half + s * half + j;
        out.set(w.subarray(src * cols, (src + 1) * cols), r * cols);
      }
    }
  }
  return out;
}

describe('GgufWeights', () => {
  it('maps llama.cpp names to Hugging Face names and reverses dims to HF shapes', () => {
    const layerParts = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'attn_norm', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'];
    const w = open({
      metadata: llamaMeta('llama', 1, 1),
      tensors: [
        f32Tensor('token_embd.weight', [2, 3], randomF32(6, 1)),
        f32Tensor('output_norm.weight', [2], [1, 1]),
        f32Tensor('output.weight', [2, 3], randomF32(6, 2)),
        f32Tensor('rope_freqs.weight', [1], [1]),
        ...layerParts.map((p) => f32Tensor(`blk.7.${p}.weight`, [2, 2], [1, 2, 3, 4])),
      ],
    });
    expect(new Set(w.names())).toEqual(new Set([
      'model.embed_tokens.weight', 'model.norm.weight', 'lm_head.weight', 'rope_freqs.weight',
      ...['q_proj', 'k_proj', 'v_proj', 'o_proj'].map((p) => `model.layers.7.self_attn.${p}.weight`),
      'model.layers.7.input_layernorm.weight', 'model.layers.7.post_attention_layernorm.weight',
      ...['gate_proj', 'up_proj', 'down_proj'].map((p) => `model.layers.7.mlp.${p}.weight`),
    ]));
    const embd = w.get('model.embed_tokens.weight');
    expect(embd.shape).toEqual([3, 2]);
    expect(w.get('model.norm.weight').shape).toEqual([2]);
  });

  it('serves f32 tensors as views of the file bytes (no copy)', () => {
    const bytes = writeGguf({ tensors: [f32Tensor('output_norm.weight', [4], [1, 2, 3, 4])] });
    const w = new GgufWeights('test.gguf', bytes, parseGguf(bytes, 'test.gguf'));
    const t = w.get('model.norm.weight');
    expect(t.data.buffer).toBe(bytes.buffer);
    expect(Array.from(asF32(t))).toEqual([1, 2, 3, 4]);
  });

  it('serves f16 and bf16 as stored', () => {
    const values = [1.5, -2, 0.1, 1000];
    const w = open({ tensors: [
      { name: 'a', dims: [4], type: F16, data: bytesOf(toF16Array(values)) },
      { name: 'b', dims: [4], type: BF16, data: bytesOf(Uint16Array.from(values, f32ToBf16)) },
    ] });
    const a = w.get('a');
    expect([a.dtype, Array.from(new Uint16Array(a.data.buffer, a.data.byteOffset, 4))]).toEqual(['f16', values.map(f32ToF16)]);
    const b = w.get('b');
    expect([b.dtype, Array.from(new Uint16Array(b.data.buffer, b.data.byteOffset, 4))]).toEqual(['bf16', values.map(f32ToBf16)]);
  });

  it('dequantizes Q8_0 and Q4_0 to f32', () => {
    const x = randomF32(3 * 64, 7);
    const q8 = quantizeQ8_0(x);
    const q4 = quantizeQ4_0(x);
    const w = open({ tensors: [
      { name: 'q8', dims: [64, 3], type: Q8_0, data: q8.bytes },
      { name: 'q4', dims: [64, 3], type: Q4_0, data: q4.bytes },
    ] });
    const a = w.get('q8');
    expect(a.shape).toEqual([3, 64]);
    expect(asF32(a)).toEqual(q8.decoded);
    expect(asF32(w.get('q4'))).toEqual(q4.decoded);
    const amax = Math.max(...Array.from(x, Math.abs));
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(asF32(a)[i]! - x[i]!)).toBeLessThanOrEqual(amax / 127);
      expect(Math.abs(asF32(w.get('q4'))[i]! - x[i]!)).toBeLessThanOrEqual(amax / 8);
    }
  });

  it('copies a tensor whose file offset is misaligned for its dtype', () => {
    const w = open({ alignment: 1, tensors: [
      { name: 'bytes', dims: [3], type: I8, data: new Uint8Array([1, 2, 255]) },
      f32Tensor('floats', [3], [0.5, 1.5, 2.5]),
    ] });
    const t = w.get('floats');
    expect(t.data.byteOffset % 4).toBe(0);
    expect(Array.from(asF32(t))).toEqual([0.5, 1.5, 2.5]);
    expect(Array.from(new Int8Array(w.get('bytes').data))).toEqual([1, 2, -1]);
  });

  it('undoes the llama q/k permutation (GQA), for weights, biases and quantized rows', () => {
    const [heads, kvHeads, headDim, hidden] = [4, 2, 4, 16];
    const q = randomF32(heads * headDim * hidden, 3);
    const k = randomF32(kvHeads * headDim * hidden, 4);
    const qBias = randomF32(heads * headDim, 5);
    const kWide = randomF32(kvHeads * headDim * 32, 6);
    const kQ8 = quantizeQ8_0(kWide);
    const permutedQ8 = hfToGgufPermute(kQ8.decoded, kvHeads * headDim, 32, kvHeads);
    const w = open({
      metadata: llamaMeta('llama', heads, kvHeads),
      tensors: [
        f32Tensor('blk.0.attn_q.weight', [hidden, heads * headDim], hfToGgufPermute(q, heads * headDim, hidden, heads)),
        f32Tensor('blk.0.attn_k.weight', [hidden, kvHeads * headDim], hfToGgufPermute(k, kvHeads * headDim, hidden, kvHeads)),
        f32Tensor('blk.0.attn_q.bias', [heads * headDim], hfToGgufPermute(qBias, heads * headDim, 1, heads)),
        { name: 'blk.1.attn_k.weight', dims: [32, kvHeads * headDim], type: Q8_0, data: quantizeQ8_0(permutedQ8).bytes },
        f32Tensor('blk.0.attn_v.weight', [hidden, kvHeads * headDim], k),
      ],
    });
    expect(asF32(w.get('model.layers.0.self_attn.q_proj.weight'))).toEqual(q);
    expect(asF32(w.get('model.layers.0.self_attn.k_proj.weight'))).toEqual(k);
    expect(asF32(w.get('model.layers.0.self_attn.q_proj.bias'))).toEqual(qBias);
    expect(asF32(w.get('model.layers.1.self_attn.k_proj.weight'))).toEqual(kQ8.decoded);
    expect(asF32(w.get('model.layers.0.self_attn.v_proj.weight'))).toEqual(k);
  });

  it('leaves qwen2 q/k rows as stored (llama.cpp uses neox RoPE there)', () => {
    const q = randomF32(8 * 8, 9);
    const w = open({ metadata: llamaMeta('qwen2', 2, 2), tensors: [f32Tensor('blk.0.attn_q.weight', [8, 8], q)] });
    expect(asF32(w.get('model.layers.0.self_attn.q_proj.weight'))).toEqual(q);
  });

  it('rejects q/k rows that do not split into heads', () => {
    const w = open({ metadata: llamaMeta('llama', 3, 3), tensors: [f32Tensor('blk.0.attn_q.weight', [2, 4], randomF32(8, 1))] });
    expect(() => w.get('model.layers.0.self_attn.q_proj.weight')).toThrow(ModelFileError);
  });

  it('names the file and tensor for missing tensors and unsupported types', () => {
    const w = open({ tensors: [{ name: 'blk.0.ffn_up.weight', dims: [256, 1], type: Q4_K, data: new Uint8Array(144) }] });
    expect(() => w.get('model.norm.weight')).toThrow(ModelFileError);
    expect(() => w.get('model.norm.weight')).toThrow(/test\.gguf/);
    let err: unknown;
    try {
      w.get('model.layers.0.mlp.up_proj.weight');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HipserveError);
    expect((err as HipserveError).code).toBe('unsupported');
    expect((err as Error).message).toMatch(/test\.gguf.*blk\.0\.ffn_up\.weight.*Q4_K/);
  });
});
