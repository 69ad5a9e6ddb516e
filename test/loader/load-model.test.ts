import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { HipserveError, ModelFileError } from '../../src/errors.js';
import { loadModelFiles } from '../../src/loader/load-model.js';
import { meta, writeGguf } from './fixtures/gguf-writer.js';
import { tempDir, writeSafetensors } from './fixtures/safetensors-writer.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const TINY = 'models/llama-2-tiny-random/llama-2-tiny-random.gguf';

const tinyGguf = () => writeGguf({
  metadata: {
    'general.architecture': meta.str('qwen2'), 'qwen2.embedding_length': meta.u32(4), 'qwen2.block_count': meta.u32(1),
    'qwen2.feed_forward_length': meta.u32(8), 'qwen2.attention.head_count': meta.u32(2), 'qwen2.vocab_size': meta.u32(3),
  },
  tensors: [{ name: 'token_embd.weight', dims: [4, 3], type: 0, data: new Uint8Array(48) }],
});

const hfConfig = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: 3, hidden_size: 4, intermediate_size: 8,
  num_hidden_layers: 1, num_attention_heads: 2, eos_token_id: 2,
};
const embed = { name: 'model.embed_tokens.weight', dtype: 'F32', shape: [3, 4], data: new Uint8Array(48) };
const norm = { name: 'model.norm.weight', dtype: 'F32', shape: [4], data: new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer) };

function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const dir = path.join(tmp.dir, name);
  mkdirSync(dir);
  for (const [file, data] of Object.entries(files)) tmp.write(path.join(name, file), data);
  return dir;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as HipserveError).code;
  }
  return undefined;
}

describe('loadModelFiles', () => {
  it('loads a Hugging Face folder with eos from generation_config.json', () => {
    const dir = folder('hf', {
      'config.json': JSON.stringify(hfConfig),
      'generation_config.json': JSON.stringify({ eos_token_id: [2, 0] }),
      'model.safetensors': writeSafetensors([embed, norm]),
    });
    const m = loadModelFiles(dir);
    expect(m).toMatchObject({ format: 'safetensors', dir });
    expect(m).not.toHaveProperty('gguf');
    expect(m.config).toMatchObject({ architecture: 'LlamaForCausalLM', hiddenSize: 4, eosTokenIds: [2, 0] });
    expect(m.weights.names().sort()).toEqual(['model.embed_tokens.weight', 'model.norm.weight']);
  });

  it('loads a sharded Hugging Face folder', () => {
    const dir = folder('sharded', {
      'config.json': JSON.stringify(hfConfig),
      'a.safetensors': writeSafetensors([embed]),
      'b.safetensors': writeSafetensors([norm]),
      'model.safetensors.index.json': JSON.stringify({ weight_map: { 'model.embed_tokens.weight': 'a.safetensors', 'model.norm.weight': 'b.safetensors' } }),
    });
    const w = loadModelFiles(dir).weights;
    expect(w.path).toBe(path.join(dir, 'model.safetensors.index.json'));
    const t = w.get('model.norm.weight');
    expect(Array.from(new Float32Array(t.data.buffer, t.data.byteOffset, 4))).toEqual([1, 2, 3, 4]);
  });

  it('loads a .gguf file, a GGUF without the extension, and a folder holding one', () => {
    const file = tmp.write('m.gguf', tinyGguf());
    const m = loadModelFiles(file);
    expect(m).toMatchObject({ format: 'gguf', gguf: { version: 3 } });
    expect(m.config.architecture).toBe('Qwen2ForCausalLM');
    expect(m.weights.get('model.embed_tokens.weight').shape).toEqual([3, 4]);
    expect(loadModelFiles(tmp.write('model.bin', tinyGguf())).format).toBe('gguf');
    expect(loadModelFiles(folder('one-gguf', { 'x.gguf': tinyGguf(), 'README.md': 'hi' })).format).toBe('gguf');
  });

  it('says clearly when the path holds no model', () => {
    expect(codeOf(() => loadModelFiles(path.join(tmp.dir, 'absent')))).toBe('model_not_found');
    const empty = folder('empty', {});
    expect(() => loadModelFiles(empty)).toThrow(ModelFileError);
    expect(() => loadModelFiles(empty)).toThrow(/empty: path: holds neither/);
    expect(() => loadModelFiles(folder('config-only', { 'config.json': '{}' }))).toThrow(/holds neither/);
    expect(() => loadModelFiles(folder('two', { 'a.gguf': tinyGguf(), 'b.gguf': tinyGguf() }))).toThrow(/a\.gguf, b\.gguf/);
    expect(() => loadModelFiles(tmp.write('notes.txt', 'hello'))).toThrow(/notes\.txt: path: is not a GGUF file/);
    expect(() => loadModelFiles(folder('bad-config', { 'config.json': '{', 'model.safetensors': writeSafetensors([norm]) }))).toThrow(/config\.json: json/);
  });

  it.skipIf(missingShared(TINY))('loads the F16 llama-2-tiny-random GGUF', () => {
    const m = loadModelFiles(sharedPath(TINY));
    expect(m.config).toMatchObject({
      architecture: 'LlamaForCausalLM', vocabSize: 32000, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2,
      headDim: 4, intermediateSize: 32, tieWordEmbeddings: false, torchDtype: 'float16', bosTokenId: 1, eosTokenIds: [2],
    });
    const embed = m.weights.get('model.embed_tokens.weight');
    expect([embed.dtype, embed.shape]).toEqual(['f16', [32000, 8]]);
    const q = m.weights.get('model.layers.0.self_attn.q_proj.weight');
    expect([q.dtype, q.shape, q.data.byteLength]).toEqual(['f16', [8, 8], 128]);
    expect(m.weights.get('model.layers.0.mlp.down_proj.weight').shape).toEqual([8, 32]);
    expect(m.weights.get('model.norm.weight').dtype).toBe('f32');
    for (const name of m.weights.names()) expect(name).toMatch(/^(model\.|lm_head\.)/);
  });
});
