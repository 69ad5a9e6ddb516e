/**
 * The pre-tokenizers of byte-level BPE vocabularies, chosen by GGUF `tokenizer.ggml.pre`, with the flags llama.cpp
 * sets for each (llama-vocab.cpp). The patterns are the models' tokenizer.json regexes; `(?i:...)` groups, which
 * JavaScript lacks, are spelled out case by case as llama.cpp does.
 */
import { HipserveError } from '../errors.js';

export interface BpePreTokenizer {
  readonly regexes: readonly RegExp[];
  /** A whole pre-token that is in the vocabulary is taken as is, without merges (Llama 3, Tekken). */
  readonly ignoreMerges: boolean;
  /** llama.cpp's add_bos default for this variant (before `tokenizer.ggml.add_bos_token`). */
  readonly addBos: boolean;
  /** ChatGLM4 has no BOS token. */
  readonly noBos: boolean;
}

const r = String.raw;
const CONTRACTIONS = r`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])`;
const GPT2 = r`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`;
const LLAMA3 = CONTRACTIONS + r`|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const QWEN2 = CONTRACTIONS + r`|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const QWEN35 = CONTRACTIONS +
  r`|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const UPPER = r`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWER = r`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;
const TEKKEN = r`[^\r\n\p{L}\p{N}]?${UPPER}*${LOWER}+|[^\r\n\p{L}\p{N}]?${UPPER}+${LOWER}*|\p{N}` +
  r`| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const GPT4O = r`[^\r\n\p{L}\p{N}]?${UPPER}*${LOWER}+${CONTRACTIONS}?|[^\r\n\p{L}\p{N}]?${UPPER}+${LOWER}*${CONTRACTIONS}?` +
  r`|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const SEED_CODER = CONTRACTIONS + r`|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+`;
const BAILING = r`'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*` +
  r`|\s*[\r\n]|\s+(?!\S)|\s+`;
const PORO = r` ?[^(\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+`;
const CJK_HANGUL = r`[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+`;
/** Deepseek-LLM's cased letters (Unicode Lu, Ll and Lt as of its training). */
const DEEPSEEK_LLM_LETTERS = r`\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af` +
  r`\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481` +
  r`\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b` +
  r`\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d` +
  r`\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec` +
  r`\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d` +
  r`\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee` +
  r`\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06` +
  r`\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\u{10400}-\u{1044f}\u{104b0}-\u{104d3}\u{104d8}-\u{104fb}` +
  r`\u{10c80}-\u{10cb2}\u{10cc0}-\u{10cf2}\u{118a0}-\u{118df}\u{1e900}-\u{1e943}]+`;

const PATTERNS: Readonly<Record<string, readonly string[]>> = {
  default: [r`[\p{P}\$\+<=>\^~\|]+`, GPT2, r`\p{N}+`, '[0-9][0-9][0-9]'],
  llama3: [LLAMA3],
  gpt2: [GPT2],
  qwen2: [QWEN2],
  qwen35: [QWEN35],
  deepseekLlm: [r`[\r\n]`, DEEPSEEK_LLM_LETTERS, r`\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+`,
    r`\s+$`, CJK_HANGUL, r`\p{N}+`],
  deepseekCoder: [r`[\r\n]`, r`\s?\p{L}+`, r`\s?\p{P}+`, CJK_HANGUL, r`\p{N}`],
  deepseek3: [r`\p{N}{1,3}`, r`[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+`,
    r`[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_${'`'}{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*` +
    r`|\s*[\r\n]+|\s+(?!\S)|\s+`],
  falcon: [r`[\p{P}\$\+<=>\^~\|${'`'}]+`, GPT2, '[0-9][0-9][0-9]'],
  starcoder: [r`\p{N}`, GPT2],
  poro: [PORO],
  viking: [PORO, r`\p{N}`],
  tekken: [TEKKEN],
  gpt4o: [GPT4O],
  seedCoder: [SEED_CODER],
  bailing: [BAILING],
};

interface Variant {
  readonly pattern: keyof typeof PATTERNS;
  readonly ignoreMerges?: boolean;
  readonly addBos?: boolean;
  readonly noBos?: boolean;
}

const VARIANTS: Readonly<Record<string, Variant>> = (() => {
  const table: Record<string, Variant> = {};
  const add = (names: string[], v: Variant): void => names.forEach((n) => { table[n] = v; });
  add(['default'], { pattern: 'default' });
  add(['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2'],
    { pattern: 'llama3', ignoreMerges: true, addBos: true });
  add(['dbrx', 'smaug-bpe'], { pattern: 'llama3' });
  add(['glm4', 'chatglm-bpe'], { pattern: 'llama3', noBos: true });
  add(['deepseek-llm'], { pattern: 'deepseekLlm' });
  add(['deepseek-coder'], { pattern: 'deepseekCoder' });
  add(['deepseek-v3', 'hunyuan-dense', 'joyai-llm'], { pattern: 'deepseek3' });
  add(['falcon'], { pattern: 'falcon' });
  add(['gpt-2', 'mpt', 'olmo', 'jais', 'trillion', 'granite-docling', 'phi-2', 'jina-es', 'jina-de', 'gigachat',
    'jina-v2-es', 'jina-v2-de', 'a.x-4.0', 'mellum', 'modern-bert', 'exaone4', 'jina-v1-en', 'jina-v2-code',
    'roberta-bpe'], { pattern: 'gpt2' });
  add(['starcoder', 'refact', 'command-r', 'smollm', 'codeshell', 'exaone', 'minerva-7b', 'mellum2'],
    { pattern: 'starcoder' });
  add(['qwen2', 'deepseek-r1-qwen', 'kormo', 'f2llmv2', 'stablelm2', 'megrez', 'hunyuan', 'solar-open', 'grok-2'],
    { pattern: 'qwen2' });
  add(['qwen35'], { pattern: 'qwen35' });
  add(['poro-chat', 'bloom', 'gpt3-finnish'], { pattern: 'poro' });
  add(['viking'], { pattern: 'viking' });
  add(['tekken'], { pattern: 'tekken', ignoreMerges: true, addBos: true });
  add(['gpt-4o', 'llama4', 'kanana2', 'minimax-m2'], { pattern: 'gpt4o' });
  add(['seed-coder'], { pattern: 'seedCoder' });
  add(['bailingmoe', 'bailingmoe2', 'llada-moe'], { pattern: 'bailing' });
  return table;
})();

/** `pre` null (the key is absent) gives llama.cpp's default pre-tokenizer; an unknown name throws 'unsupported'. */
export function bpePreTokenizer(pre: string | null, file: string): BpePreTokenizer {
  const variant = VARIANTS[pre ?? 'default'];
  if (!variant) {
    throw new HipserveError('unsupported', `${file}: tokenizer.ggml.pre: unknown BPE pre-tokenizer ${JSON.stringify(pre)}`);
  }
  return {
    regexes: PATTERNS[variant.pattern]!.map((p) => new RegExp(p, 'gu')),
    ignoreMerges: variant.ignoreMerges ?? false,
    addBos: variant.addBos ?? false,
    noBos: variant.noBos ?? false,
  };
}
