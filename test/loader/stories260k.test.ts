import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadModelFiles, type ModelFiles } from '../../src/loader/load-model.js';
import type { WeightTensor } from '../../src/loader/weights.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const GGUF = 'models/stories260K/stories260K.gguf';
const HF = 'models/stories260K/hf';
const skip = missingShared(GGUF) || missingShared(`${HF}/model.safetensors`);

/** Index of the first differing element, or -1 (cheaper than deep-equal on large arrays). */
function firstMismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function f32(t: WeightTensor): Float32Array {
  expect(t.dtype).toBe('f32');
  return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
}

describe.skipIf(skip)('stories260K: GGUF and Hugging Face copies agree', () => {
  let gguf: Extract<ModelFiles, { format: 'gguf' }>;
  let hf: Extract<ModelFiles, { format: 'safetensors' }>;
  beforeAll(() => {
    gguf = loadModelFiles(sharedPath(GGUF)) as typeof gguf;
    hf = loadModelFiles(sharedPath(HF)) as typeof hf;
  });

  it('detects the formats', () => {
    expect(gguf.format).toBe('gguf');
    expect(gguf.gguf.tensors.length).toBeGreaterThan(0);
    expect(hf.format).toBe('safetensors');
    expect(hf.dir).toBe(sharedPath(HF));
  });

  it('translates both configs to the same essentials', () => {
    const essentials = ['architecture', 'modelType', 'vocabSize', 'hiddenSize', 'intermediateSize', 'numHiddenLayers',
      'numAttentionHeads', 'numKeyValueHeads', 'headDim', 'rmsNormEps', 'ropeTheta', 'rope', 'partialRotaryFactor',
      'ropeIsNeox', 'hiddenAct', 'attentionBias', 'qkNorm', 'slidingWindow', 'bosTokenId', 'eosTokenIds', 'torchDtype'] as const;
    for (const key of essentials) expect([key, gguf.config[key]]).toEqual([key, hf.config[key]]);
    expect(hf.config.architecture).toBe('LlamaForCausalLM');
    expect(hf.config.headDim * hf.config.numAttentionHeads).toBe(hf.config.hiddenSize);
  });

  it('serves every HF tensor from the GGUF with the same shape and values', () => {
    const names = hf.weights.names();
    expect(names).toContain('model.layers.0.self_attn.q_proj.weight');
    for (const name of names) {
      expect(gguf.weights.has(name), name).toBe(true);
      const a = hf.weights.get(name);
      const b = gguf.weights.get(name);
      expect(b.shape, name).toEqual(a.shape);
      expect(firstMismatch(f32(b), f32(a)), name).toBe(-1);
    }
  });

  it('needed the q/k un-permutation: the stored GGUF rows differ from the HF ones', () => {
    const g = gguf.gguf;
    const info = g.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
    const start = g.dataOffset + info.offset;
    const stored = new Float32Array(new Uint8Array(readFileSync(sharedPath(GGUF)).subarray(start, start + info.byteLength)).buffer);
    const q = f32(hf.weights.get('model.layers.0.self_attn.q_proj.weight'));
    expect(firstMismatch(stored, q)).not.toBe(-1);
    expect(firstMismatch(stored.slice().sort(), q.slice().sort())).toBe(-1);
  });

  it('unties only what the GGUF stores twice: its output.weight equals the embeddings', () => {
    expect(hf.config.tieWordEmbeddings).toBe(true);
    expect(hf.weights.has('lm_head.weight')).toBe(false);
    if (gguf.weights.has('lm_head.weight')) {
      expect(firstMismatch(f32(gguf.weights.get('lm_head.weight')), f32(hf.weights.get('model.embed_tokens.weight')))).toBe(-1);
    }
  });
});
