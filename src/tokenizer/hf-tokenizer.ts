/**
 * A Hugging Face tokenizer.json (through @huggingface/tokenizers, pure JS) with the tokenizer_config.json and
 * generation_config.json beside it.
 *
 * BOS/EOS: when tokenizer_config.json sets add_bos_token or add_eos_token, those flags decide, as transformers'
 * Llama-style fast tokenizers rebuild their post-processor from them (DeepSeek-V3's tokenizer.json adds no BOS,
 * its config says to); otherwise the tokenizer.json post-processor decides.
 */
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';

import { ModelFileError } from '../errors.js';
import type { ChatTemplates, DecodeOptions, EncodeOptions, SpecialTokens, Tokenizer } from './tokenizer.js';

/** The fields of tokenizer_config.json this module reads. */
export interface HfTokenizerConfig {
  readonly bos_token?: unknown;
  readonly eos_token?: unknown;
  readonly unk_token?: unknown;
  readonly pad_token?: unknown;
  readonly add_bos_token?: unknown;
  readonly add_eos_token?: unknown;
  readonly additional_special_tokens?: unknown;
  readonly tokenizer_class?: unknown;
  readonly chat_template?: unknown;
  readonly [key: string]: unknown;
}

export interface HfGenerationConfig {
  readonly eos_token_id?: unknown;
  readonly [key: string]: unknown;
}

/** Tokenizer classes that add BOS by default once the config mentions add_bos_token/add_eos_token. */
const BOS_BY_DEFAULT = /^(Llama|CodeLlama|Gemma)Tokenizer(Fast)?$/;

/** A token field of tokenizer_config.json: a string or an AddedToken object ({ content, ... }). */
function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return null;
}

/** `chat_template` as a string or a list of { name, template }. */
export function chatTemplatesOf(v: unknown, file: string): ChatTemplates {
  if (v === undefined || v === null) return {};
  if (typeof v === 'string') return { default: v };
  if (Array.isArray(v)) {
    const out: Record<string, string> = {};
    for (const entry of v as unknown[]) {
      const { name, template } = (entry ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name !== 'string' || typeof template !== 'string') {
        throw new ModelFileError(file, 'chat_template', 'a list entry must be { name: string, template: string }');
      }
      out[name] = template;
    }
    return out;
  }
  throw new ModelFileError(file, 'chat_template', 'must be a string or a list of named templates');
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly specials: SpecialTokens;
  private readonly inner: HfJsTokenizer;
  /** null: the tokenizer.json post-processor adds the special tokens. */
  private readonly explicit: { readonly prefix: readonly number[]; readonly suffix: readonly number[] } | null;

  constructor(tokenizerJson: object, config: HfTokenizerConfig, generationConfig: HfGenerationConfig | null,
    file: string, readonly chatTemplates: ChatTemplates) {
    try {
      this.inner = new HfJsTokenizer(tokenizerJson, config);
    } catch (e) {
      throw new ModelFileError(file, 'tokenizer.json', (e as Error).message);
    }
    this.vocabSize = this.inner.model?.vocab.length ?? 0;
    const idOf = (v: unknown): number | null => {
      const content = tokenContent(v);
      return content === null ? null : this.tokenToId(content);
    };
    this.bosTokenId = idOf(config.bos_token);
    const eos = idOf(config.eos_token);
    const generationEos = generationConfig?.eos_token_id;
    const extraEos = (Array.isArray(generationEos) ? generationEos : [generationEos])
      .filter((id): id is number => Number.isInteger(id) && (id as number) >= 0 && (id as number) < this.vocabSize);
    this.eosTokenIds = [...new Set([...(eos !== null ? [eos] : []), ...extraEos])];

    const ids = new Set<number>();
    for (const [id, token] of this.inner.get_added_tokens_decoder()) if (token.special) ids.add(id);
    const additional = Array.isArray(config.additional_special_tokens) ? config.additional_special_tokens : [];
    for (const id of [...additional.map(idOf), this.bosTokenId, ...this.eosTokenIds]) if (id !== null) ids.add(id);
    this.specials = {
      bosToken: tokenContent(config.bos_token),
      eosToken: tokenContent(config.eos_token),
      unkTokenId: idOf(config.unk_token),
      padTokenId: idOf(config.pad_token),
      ids,
    };

    if (typeof config.add_bos_token === 'boolean' || typeof config.add_eos_token === 'boolean') {
      const addBos = typeof config.add_bos_token === 'boolean'
        ? config.add_bos_token
        : BOS_BY_DEFAULT.test(String(config.tokenizer_class ?? ''));
      this.explicit = {
        prefix: addBos && this.bosTokenId !== null ? [this.bosTokenId] : [],
        suffix: config.add_eos_token === true && eos !== null ? [eos] : [],
      };
    } else {
      this.explicit = null;
    }
  }

  /** Added tokens are always recognised in the text: `parseSpecial` does not apply here. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecial = options.addSpecialTokens ?? true;
    if (!this.explicit) return this.inner.encode(text, { add_special_tokens: addSpecial }).ids;
    const ids = this.inner.encode(text, { add_special_tokens: false }).ids;
    return addSpecial ? [...this.explicit.prefix, ...ids, ...this.explicit.suffix] : ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? true;
    const kept = ids.filter((id) => Number.isInteger(id) && id >= 0 && id < this.vocabSize && !(skip && this.specials.ids.has(id)));
    if (kept.length === 0) return '';
    return this.inner.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: options.cleanUpSpaces ?? false });
  }

  idToToken(id: number): string | null {
    return Number.isInteger(id) ? this.inner.id_to_token(id) ?? null : null;
  }

  tokenToId(token: string): number | null {
    return this.inner.token_to_id(token) ?? null;
  }
}
