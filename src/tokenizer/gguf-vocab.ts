/**
 * A GGUF-embedded vocabulary (`tokenizer.ggml.*`), as stored: null means the key is absent and the tokenizer applies
 * llama.cpp's default for its model type.
 */
import { ModelFileError } from '../errors.js';
import type { Gguf } from '../loader/gguf.js';
import { ggufBool, ggufNumber, ggufNumberArray, ggufString, ggufStringArray } from '../loader/gguf-metadata.js';

/** llama.cpp's llama_token_type, the values of `tokenizer.ggml.token_type`. */
export const TokenType = {
  Undefined: 0,
  Normal: 1,
  Unknown: 2,
  Control: 3,
  UserDefined: 4,
  Unused: 5,
  Byte: 6,
} as const;

export interface GgufVocab {
  /** Names the source in error messages. */
  readonly file: string;
  /** `tokenizer.ggml.model`: "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert" (WordPiece), ... */
  readonly model: string;
  /** `tokenizer.ggml.pre`: the pre-tokenizer variant of a BPE vocabulary. */
  readonly pre: string | null;
  readonly tokens: readonly string[];
  readonly scores: ArrayLike<number> | null;
  readonly tokenTypes: ArrayLike<number> | null;
  /** "left right" pairs, highest priority first. */
  readonly merges: readonly string[] | null;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly eotTokenId: number | null;
  readonly eomTokenId: number | null;
  readonly unkTokenId: number | null;
  readonly sepTokenId: number | null;
  readonly padTokenId: number | null;
  readonly clsTokenId: number | null;
  readonly addBosToken: boolean | null;
  readonly addEosToken: boolean | null;
  readonly addSepToken: boolean | null;
  readonly addSpacePrefix: boolean | null;
  /** `tokenizer.chat_template` as "default", `tokenizer.chat_template.<name>` by name. */
  readonly chatTemplates: Readonly<Record<string, string>>;
}

const PREFIX = 'tokenizer.ggml.';
const TEMPLATE_KEY = 'tokenizer.chat_template';

export function ggufVocab(g: Gguf): GgufVocab {
  const tokens = ggufStringArray(g, PREFIX + 'tokens');
  const model = ggufString(g, PREFIX + 'model');
  if (!tokens || !model) {
    throw new ModelFileError(g.file, `metadata.${PREFIX}${tokens ? 'model' : 'tokens'}`, 'missing: the file has no vocabulary');
  }
  const id = (key: string): number | null => {
    const v = ggufNumber(g, PREFIX + key);
    // Converters write -1 as u32 (4294967295) for "none"; llama.cpp disables any id outside the vocabulary.
    return v !== undefined && Number.isInteger(v) && v >= 0 && v < tokens.length ? v : null;
  };
  const flag = (key: string): boolean | null => ggufBool(g, PREFIX + key) ?? null;
  const perToken = (key: string): ArrayLike<number> | null => {
    const arr = ggufNumberArray(g, PREFIX + key);
    if (arr && arr.length < tokens.length) {
      throw new ModelFileError(g.file, `metadata.${PREFIX}${key}`, `${arr.length} entries for ${tokens.length} tokens`);
    }
    return arr ?? null;
  };
  const chatTemplates: Record<string, string> = {};
  for (const key of Object.keys(g.metadata)) {
    if (key !== TEMPLATE_KEY && !key.startsWith(TEMPLATE_KEY + '.')) continue;
    const source = ggufString(g, key);
    if (source !== undefined) chatTemplates[key === TEMPLATE_KEY ? 'default' : key.slice(TEMPLATE_KEY.length + 1)] = source;
  }
  return {
    file: g.file,
    model,
    pre: ggufString(g, PREFIX + 'pre') ?? null,
    tokens,
    scores: perToken('scores'),
    tokenTypes: perToken('token_type'),
    merges: ggufStringArray(g, PREFIX + 'merges') ?? null,
    bosTokenId: id('bos_token_id'),
    eosTokenId: id('eos_token_id'),
    eotTokenId: id('eot_token_id'),
    eomTokenId: id('eom_token_id'),
    unkTokenId: id('unknown_token_id'),
    sepTokenId: id('seperator_token_id'),
    padTokenId: id('padding_token_id'),
    clsTokenId: id('cls_token_id'),
    addBosToken: flag('add_bos_token'),
    addEosToken: flag('add_eos_token'),
    addSepToken: flag('add_sep_token'),
    addSpacePrefix: flag('add_space_prefix'),
    chatTemplates,
  };
}
