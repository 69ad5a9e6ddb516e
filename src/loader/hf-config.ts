/** Hugging Face config.json translated into the internal ModelConfig. */
import { HipserveError, ModelFileError } from '../errors.js';
import type { HiddenAct, ModelConfig, RopeScaling, RopeType } from './model-config.js';

type Json = Record<string, unknown>;

const ARCHITECTURE_OF_MODEL_TYPE: ReadonlyMap<string, string> = new Map([
  ['llama', 'LlamaForCausalLM'], ['mistral', 'MistralForCausalLM'],
  ['qwen2', 'Qwen2ForCausalLM'], ['qwen3', 'Qwen3ForCausalLM'],
  ['qwen3_moe', 'Qwen3MoeForCausalLM'], ['mixtral', 'MixtralForCausalLM'], ['glm4_moe', 'Glm4MoeForCausalLM'],
  ['gpt_oss', 'GptOssForCausalLM'],
]);

/** transformers' per-model default of tie_word_embeddings (PretrainedConfig's own default is true). */
const TIED_BY_DEFAULT: ReadonlyMap<string, boolean> = new Map([
  ['llama', false], ['mistral', false], ['mixtral', false], ['qwen2', false], ['qwen2_moe', false], ['qwen3', false],
  ['qwen3_moe', false], ['glm4_moe', false], ['phi3', false], ['deepseek_v3', false], ['gpt_oss', false],
  ['gemma', true], ['gemma2', true], ['gemma3_text', true],
]);

const HIDDEN_ACT: ReadonlyMap<string, HiddenAct> = new Map<string, HiddenAct>([
  ['silu', 'silu'], ['swish', 'silu'], ['gelu_pytorch_tanh', 'gelu_pytorch_tanh'], ['gelu', 'gelu'],
]);

const ROPE_TYPES: ReadonlySet<string> = new Set<RopeType>(['default', 'linear', 'dynamic', 'llama3', 'yarn']);

/**
 * `generationConfig` (generation_config.json, when present) adds its eos ids, as transformers' generate() does.
 */
export function hfToModelConfig(json: unknown, file: string, generationConfig?: unknown): ModelConfig {
  if (!isObject(json)) throw new ModelFileError(file, 'config', 'expected a JSON object');
  const r = new FieldReader(json, file);
  const modelType = r.string('model_type') ?? '';
  const architectures = r.get('architectures');
  const architecture = Array.isArray(architectures) && typeof architectures[0] === 'string'
    ? architectures[0] : ARCHITECTURE_OF_MODEL_TYPE.get(modelType);
  if (!architecture) throw new ModelFileError(file, 'architectures', `missing, and model_type "${modelType}" does not imply one`);
  const text = isObject(json.text_config) && json.hidden_size === undefined ? new FieldReader(json.text_config, file, 'text_config.') : r;

  const hiddenSize = text.positiveInt('hidden_size');
  const numAttentionHeads = text.positiveInt('num_attention_heads');
  const numKeyValueHeads = text.positiveInt('num_key_value_heads', numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    text.fail('num_key_value_heads', `${numKeyValueHeads} does not divide num_attention_heads ${numAttentionHeads}`);
  }
  const ropeParameters = text.object('rope_parameters');
  const slidingWindow = text.number('sliding_window');
  const act = text.string('hidden_act') ?? text.string('hidden_activation') ?? 'silu';
  const hiddenAct = HIDDEN_ACT.get(act);
  if (!hiddenAct) throw new HipserveError('unsupported', `${file}: hidden_act "${act}" is not supported`);

  return {
    architecture,
    modelType,
    vocabSize: text.positiveInt('vocab_size'),
    hiddenSize,
    intermediateSize: text.positiveInt('intermediate_size'),
    numHiddenLayers: text.positiveInt('num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads,
    headDim: text.positiveInt('head_dim', hiddenSize / numAttentionHeads),
    rmsNormEps: text.number('rms_norm_eps') ?? 1e-6,
    ropeTheta: text.number('rope_theta') ?? numberIn(ropeParameters, 'rope_theta') ?? 10000,
    rope: ropeScaling(text, ropeParameters ? 'rope_parameters' : 'rope_scaling'),
    partialRotaryFactor: text.number('partial_rotary_factor') ?? numberIn(ropeParameters, 'partial_rotary_factor') ?? 1,
    ropeIsNeox: true,
    maxPositionEmbeddings: text.positiveInt('max_position_embeddings', 2048),
    tieWordEmbeddings: r.bool('tie_word_embeddings') ?? text.bool('tie_word_embeddings') ?? TIED_BY_DEFAULT.get(modelType) ?? true,
    hiddenAct,
    attentionBias: text.bool('attention_bias') ?? modelType === 'qwen2',
    qkNorm: modelType === 'qwen3' || modelType === 'qwen3_moe' || (modelType === 'glm4_moe' && text.bool('use_qk_norm') === true),
    slidingWindow: text.bool('use_sliding_window') === false || !slidingWindow || slidingWindow <= 0 ? null : slidingWindow,
    bosTokenId: text.tokenIds('bos_token_id')[0] ?? null,
    eosTokenIds: [...new Set([...text.tokenIds('eos_token_id'), ...eosOf(generationConfig, file)])],
    torchDtype: r.string('torch_dtype') ?? r.string('dtype') ?? text.string('torch_dtype') ?? 'float32',
    raw: json,
  };
}

function eosOf(generationConfig: unknown, file: string): number[] {
  return isObject(generationConfig) ? new FieldReader(generationConfig, file, 'generation_config.').tokenIds('eos_token_id') : [];
}

function ropeScaling(r: FieldReader, field: 'rope_scaling' | 'rope_parameters'): RopeScaling {
  let p = r.object(field);
  // transformers 5 may key rope_parameters by layer type.
  if (p && p.rope_type === undefined && p.type === undefined && isObject(p.full_attention)) p = p.full_attention;
  if (!p) return { type: 'default', factor: 1 };
  const s = new FieldReader(p, r.file, `${r.prefix}${field}.`);
  const type = s.string('rope_type') ?? s.string('type') ?? 'default';
  if (!ROPE_TYPES.has(type)) throw new HipserveError('unsupported', `${r.file}: ${field}.rope_type "${type}" is not supported`);
  const rope: RopeScaling = { type: type as RopeType, factor: s.number('factor') ?? 1 };
  const optional: Array<[keyof RopeScaling, string]> = [
    ['originalMaxPositionEmbeddings', 'original_max_position_embeddings'],
    ['lowFreqFactor', 'low_freq_factor'], ['highFreqFactor', 'high_freq_factor'],
    ['betaFast', 'beta_fast'], ['betaSlow', 'beta_slow'], ['mscale', 'mscale'], ['mscaleAllDim', 'mscale_all_dim'],
    ['attentionFactor', 'attention_factor'],
  ];
  for (const [to, from] of optional) {
    const v = s.number(from);
    if (v !== undefined) (rope as unknown as Record<string, number>)[to] = v;
  }
  const truncate = s.bool('truncate');
  if (truncate !== undefined) rope.truncate = truncate;
  if (type !== 'default' && !(rope.factor > 0)) s.fail('factor', `must be > 0 for rope type ${type}`);
  return rope;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberIn(o: Json | undefined, key: string): number | undefined {
  const v = o && Object.hasOwn(o, key) ? o[key] : undefined;
  return typeof v === 'number' ? v : undefined;
}

/** Reads typed fields; null and absent read as undefined, a wrong type is a ModelFileError naming the field. */
class FieldReader {
  constructor(
    private readonly json: Json,
    readonly file: string,
    readonly prefix = '',
  ) {}

  fail(key: string, detail: string): never {
    throw new ModelFileError(this.file, this.prefix + key, detail);
  }

  get(key: string): unknown {
    return Object.hasOwn(this.json, key) && this.json[key] !== null ? this.json[key] : undefined;
  }

  private typed<T>(key: string, kind: string, ok: (v: unknown) => v is T): T | undefined {
    const v = this.get(key);
    if (v === undefined || ok(v)) return v;
    return this.fail(key, `expected ${kind}, found ${JSON.stringify(v)}`);
  }

  string(key: string): string | undefined {
    return this.typed(key, 'a string', (v): v is string => typeof v === 'string');
  }

  number(key: string): number | undefined {
    return this.typed(key, 'a number', (v): v is number => typeof v === 'number' && Number.isFinite(v));
  }

  bool(key: string): boolean | undefined {
    return this.typed(key, 'a boolean', (v): v is boolean => typeof v === 'boolean');
  }

  object(key: string): Json | undefined {
    return this.typed(key, 'an object', isObject);
  }

  positiveInt(key: string, fallback?: number): number {
    const v = this.number(key) ?? fallback;
    if (v === undefined) return this.fail(key, 'missing');
    if (!Number.isSafeInteger(v) || v <= 0) return this.fail(key, `expected a positive integer, found ${v}`);
    return v;
  }

  /** A token id or a list of them. */
  tokenIds(key: string): number[] {
    const v = this.get(key);
    const ids = v === undefined ? [] : Array.isArray(v) ? v : [v];
    for (const id of ids) if (!Number.isSafeInteger(id) || (id as number) < 0) this.fail(key, `expected token ids, found ${JSON.stringify(v)}`);
    return ids as number[];
  }
}
