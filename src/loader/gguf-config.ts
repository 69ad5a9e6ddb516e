/** GGUF metadata (llama, qwen2, qwen3 keys) translated into the internal ModelConfig. */
import type { FileBytes } from './map-model-file.js';
import { HipserveError, ModelFileError } from '../errors.js';
import { GGML_TYPE } from './ggml-type.js';
import { ggufTensorBytes, type Gguf, type GgufValue } from './gguf.js';
import { ggufNumber, ggufString, ggufStringArray } from './gguf-metadata.js';
import { llama3RopeFromFactors } from './llama3-rope-from-factors.js';
import type { ModelConfig, RopeScaling } from './model-config.js';

const ARCHITECTURES: ReadonlyMap<string, string> = new Map([
  ['llama', 'LlamaForCausalLM'],
  ['qwen2', 'Qwen2ForCausalLM'],
  ['qwen3', 'Qwen3ForCausalLM'],
]);

const TORCH_DTYPE: ReadonlyMap<string, string> = new Map([['F32', 'float32'], ['F16', 'float16'], ['BF16', 'bfloat16']]);

/** Tokenizer arrays belong to the tokenizer (which reads them from the Gguf); `raw` keeps everything else. */
const TOKENIZER_ARRAYS = /^tokenizer\.ggml\.(tokens|scores|token_type|merges)$/;

/** `bytes` are the parsed file's, for tensors that carry configuration (llama3's rope_freqs.weight). */
export function ggufToModelConfig(g: Gguf, bytes: FileBytes): ModelConfig {
  const arch = ggufString(g, 'general.architecture');
  if (arch === undefined) throw new ModelFileError(g.file, 'metadata.general.architecture', 'missing');
  const architecture = ARCHITECTURES.get(arch);
  if (!architecture) {
    throw new HipserveError('unsupported', `${g.file}: GGUF architecture "${arch}" is not supported; supported: ${[...ARCHITECTURES.keys()].join(', ')}`);
  }
  const count = (key: string, fallback?: number): number => {
    const v = ggufNumber(g, `${arch}.${key}`) ?? fallback;
    if (v === undefined) throw new ModelFileError(g.file, `metadata.${arch}.${key}`, 'missing');
    if (!Number.isSafeInteger(v) || v <= 0) throw new ModelFileError(g.file, `metadata.${arch}.${key}`, `expected a positive integer, found ${v}`);
    return v;
  };
  const hiddenSize = count('embedding_length');
  const numAttentionHeads = count('attention.head_count');
  const numKeyValueHeads = count('attention.head_count_kv', numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new ModelFileError(g.file, `metadata.${arch}.attention.head_count_kv`, `${numKeyValueHeads} does not divide ${numAttentionHeads} heads`);
  }
  const headDim = count('attention.key_length', hiddenSize / numAttentionHeads);
  const rotaryDims = count('rope.dimension_count', headDim);
  const tokens = ggufStringArray(g, 'tokenizer.ggml.tokens');
  const tensorNames = new Set(g.tensors.map((t) => t.name));
  const mainType = g.tensors.find((t) => t.name === 'blk.0.attn_q.weight') ?? g.tensors.find((t) => t.name === 'token_embd.weight');
  const slidingWindow = ggufNumber(g, `${arch}.attention.sliding_window`);

  return {
    architecture,
    modelType: arch,
    vocabSize: tokens?.length ?? count('vocab_size'),
    hiddenSize,
    intermediateSize: count('feed_forward_length'),
    numHiddenLayers: count('block_count'),
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: ggufNumber(g, `${arch}.attention.layer_norm_rms_epsilon`) ?? 1e-6,
    ropeTheta: ggufNumber(g, `${arch}.rope.freq_base`) ?? 10000,
    rope: ropeFromFreqs(g, bytes, rotaryDims) ?? ropeScaling(g, arch),
    partialRotaryFactor: rotaryDims / headDim,
    ropeIsNeox: true,
    maxPositionEmbeddings: count('context_length', 2048),
    tieWordEmbeddings: !tensorNames.has('output.weight'),
    hiddenAct: 'silu',
    attentionBias: tensorNames.has('blk.0.attn_q.bias'),
    qkNorm: tensorNames.has('blk.0.attn_q_norm.weight'),
    slidingWindow: slidingWindow && slidingWindow > 0 ? slidingWindow : null,
    bosTokenId: tokenId(g, 'bos', tokens),
    eosTokenIds: [...new Set(['eos', 'eot', 'eom'].map((k) => tokenId(g, k, tokens)).filter((id): id is number => id !== null))],
    torchDtype: mainType ? TORCH_DTYPE.get(mainType.typeName) ?? mainType.typeName.toLowerCase() : 'float32',
    raw: rawMetadata(g),
  };
}

function tokenId(g: Gguf, which: string, tokens: readonly string[] | undefined): number | null {
  const id = ggufNumber(g, `tokenizer.ggml.${which}_token_id`);
  if (id === undefined || !Number.isInteger(id) || id < 0) return null;
  return tokens && id >= tokens.length ? null : id;
}

function ropeScaling(g: Gguf, arch: string): RopeScaling {
  const key = (k: string) => `${arch}.rope.scaling.${k}`;
  const type = ggufString(g, key('type')) ?? 'none';
  const factor = ggufNumber(g, key('factor')) ?? ggufNumber(g, `${arch}.rope.scale_linear`) ?? 1;
  const original = ggufNumber(g, key('original_context_length'));
  const withOriginal = (r: RopeScaling): RopeScaling => (original ? { ...r, originalMaxPositionEmbeddings: original } : r);
  switch (type) {
    case 'none':
      return factor !== 1 ? { type: 'linear', factor } : { type: 'default', factor: 1 };
    case 'linear':
      return withOriginal({ type: 'linear', factor });
    case 'yarn': {
      const r: RopeScaling = { type: 'yarn', factor };
      const betaFast = ggufNumber(g, key('yarn_beta_fast'));
      const betaSlow = ggufNumber(g, key('yarn_beta_slow'));
      const attentionFactor = ggufNumber(g, key('attn_factor'));
      if (betaFast !== undefined) r.betaFast = betaFast;
      if (betaSlow !== undefined) r.betaSlow = betaSlow;
      if (attentionFactor !== undefined) r.attentionFactor = attentionFactor;
      return withOriginal(r);
    }
    default:
      throw new HipserveError('unsupported', `${g.file}: metadata.${key('type')}: rope scaling "${type}" is not supported`);
  }
}

/** llama3 GGUFs store their rope scaling as per-frequency divisors in rope_freqs.weight. */
function ropeFromFreqs(g: Gguf, bytes: FileBytes, rotaryDims: number): RopeScaling | null {
  const info = g.tensors.find((t) => t.name === 'rope_freqs.weight');
  if (!info) return null;
  const unsupported = () => new HipserveError('unsupported', `${g.file}: rope_freqs.weight does not match llama3 rope scaling`);
  if (info.type !== GGML_TYPE.F32) throw unsupported();
  const raw = new Uint8Array(ggufTensorBytes(bytes, g, info));
  const theta = ggufNumber(g, `${ggufString(g, 'general.architecture')}.rope.freq_base`) ?? 10000;
  const rope = llama3RopeFromFactors(new Float32Array(raw.buffer), theta, rotaryDims);
  if (!rope) throw unsupported();
  return rope;
}

function rawMetadata(g: Gguf): Record<string, GgufValue> {
  const raw: Record<string, GgufValue> = Object.create(null) as Record<string, GgufValue>;
  for (const [k, v] of Object.entries(g.metadata)) if (!TOKENIZER_ARRAYS.test(k)) raw[k] = v;
  return raw;
}
