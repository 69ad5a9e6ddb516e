/**
 * What every GGUF-vocabulary tokenizer shares, following llama.cpp's llama_vocab: special-token splitting before
 * the model's own algorithm, BOS/EOS, end-of-generation ids, and decoding token pieces to bytes and then to text.
 * Subclasses (SentencePiece, byte-level BPE, WordPiece) tokenize plain text and turn normal tokens into bytes.
 */
import type { GgufVocab } from './gguf-vocab.js';
import { TokenType } from './gguf-vocab.js';
import { SpecialMatcher } from './special-matcher.js';
import type { ChatTemplates, DecodeOptions, EncodeOptions, SpecialTokens, Tokenizer } from './tokenizer.js';

export interface VocabTokenizerConfig {
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly unkTokenId: number | null;
  /** Ids put before / after the text when `addSpecialTokens` is on. */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
  /** Decoding drops one leading space (the SentencePiece dummy prefix, the WordPiece word marker). */
  readonly stripLeadingSpace: boolean;
}

/** Tokens llama.cpp treats as end of generation wherever they appear (llama-vocab.cpp). */
const EOG_TEXTS = new Set([
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>',
  '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>',
  '<eos>', '<turn|>', '<|tool_response>', '<｜end▁of▁sentence｜>', '[e~[',
]);

const utf8 = new TextEncoder();
const textDecoder = new TextDecoder('utf-8');

export abstract class VocabTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly specials: SpecialTokens;
  readonly chatTemplates: ChatTemplates;
  protected readonly tokens: readonly string[];
  protected readonly ids = new Map<string, number>();
  protected readonly unkTokenId: number | null;
  private readonly types: ArrayLike<number> | null;
  private readonly userDefined: SpecialMatcher;
  private readonly allSpecials: SpecialMatcher;
  private readonly prefixIds: readonly number[];
  private readonly suffixIds: readonly number[];
  private readonly stripLeadingSpace: boolean;

  protected constructor(vocab: GgufVocab, config: VocabTokenizerConfig) {
    // llama.cpp names empty entries so that every id has a distinct text.
    this.tokens = vocab.tokens.some((t) => t.length === 0)
      ? vocab.tokens.map((t, i) => (t.length > 0 ? t : `[EMPTY_${i}]`))
      : vocab.tokens;
    this.types = vocab.tokenTypes;
    this.vocabSize = this.tokens.length;
    this.bosTokenId = config.bosTokenId;
    this.unkTokenId = config.unkTokenId;
    this.prefixIds = config.prefixIds;
    this.suffixIds = config.suffixIds;
    this.stripLeadingSpace = config.stripLeadingSpace;
    this.chatTemplates = vocab.chatTemplates;

    const special = new Set<number>();
    const userDefined: [string, number][] = [];
    const matchable: [string, number][] = [];
    for (let id = 0; id < this.vocabSize; id++) {
      const token = this.tokens[id]!;
      if (!this.ids.has(token)) this.ids.set(token, id);
      const type = this.typeOf(id);
      if (type === TokenType.Control || type === TokenType.Unknown) special.add(id);
      if (type === TokenType.UserDefined) userDefined.push([token, id]);
      if (type === TokenType.UserDefined || type === TokenType.Control || type === TokenType.Unknown) matchable.push([token, id]);
    }
    this.userDefined = new SpecialMatcher(userDefined);
    this.allSpecials = new SpecialMatcher(matchable);

    this.eosTokenIds = this.endOfGeneration(vocab, config.eosTokenId);
    for (const id of [config.bosTokenId, config.eosTokenId, ...this.eosTokenIds]) if (id !== null) special.add(id);
    this.specials = {
      bosToken: this.idToToken(config.bosTokenId ?? -1),
      eosToken: this.idToToken(config.eosTokenId ?? -1),
      unkTokenId: config.unkTokenId,
      padTokenId: vocab.padTokenId,
      ids: special,
    };
  }

  /** Appends the tokens of plain text; `afterSpecial` is true at the start and right after a special token. */
  protected abstract encodeText(text: string, out: number[], afterSpecial: boolean): void;

  /** Appends the bytes of a normal token. */
  protected abstract normalTokenBytes(token: string, out: number[]): void;

  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecial = options.addSpecialTokens ?? true;
    const out = addSpecial ? [...this.prefixIds] : [];
    let afterSpecial = true;
    for (const fragment of (options.parseSpecial ?? true ? this.allSpecials : this.userDefined).split(text)) {
      if (typeof fragment === 'number') {
        out.push(fragment);
        afterSpecial = true;
      } else {
        this.encodeText(fragment, out, afterSpecial);
        afterSpecial = false;
      }
    }
    if (addSpecial) out.push(...this.suffixIds);
    return out;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecialTokens ?? true;
    const bytes: number[] = [];
    for (const id of ids) {
      if (!this.isId(id) || (skipSpecial && this.specials.ids.has(id))) continue;
      this.tokenBytes(id, bytes);
    }
    let text = textDecoder.decode(Uint8Array.from(bytes));
    if (this.stripLeadingSpace && text.startsWith(' ')) text = text.slice(1);
    return options.cleanUpSpaces ? cleanUpSpaces(text) : text;
  }

  idToToken(id: number): string | null {
    return this.isId(id) ? this.tokens[id]! : null;
  }

  tokenToId(token: string): number | null {
    return this.ids.get(token) ?? null;
  }

  private isId(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.vocabSize;
  }

  protected typeOf(id: number): number {
    return this.types ? this.types[id]! : TokenType.Normal;
  }

  /** "<0x0A>" style byte-fallback tokens; null when the vocabulary has none for this byte. */
  protected byteTokenId(byte: number): number | null {
    return this.ids.get(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`) ?? null;
  }

  private tokenBytes(id: number, out: number[]): void {
    const token = this.tokens[id]!;
    switch (this.typeOf(id)) {
      case TokenType.Normal: return this.normalTokenBytes(token, out);
      case TokenType.Byte: out.push(parseInt(token.slice(3, 5), 16)); return;
      case TokenType.Control: case TokenType.Unknown: case TokenType.UserDefined: out.push(...utf8.encode(token)); return;
      default: return; // unused and undefined tokens print nothing, as in llama.cpp
    }
  }

  /** llama.cpp's end-of-generation set: EOS, EOT, EOM, and the tokens whose text marks an end of turn. */
  private endOfGeneration(vocab: GgufVocab, eosTokenId: number | null): number[] {
    const eog = new Set<number>();
    for (const id of [eosTokenId, vocab.eotTokenId, vocab.eomTokenId]) if (id !== null) eog.add(id);
    for (const text of EOG_TEXTS) {
      const id = this.ids.get(text);
      if (id !== undefined) eog.add(id);
    }
    const texts = new Set([...eog].map((id) => this.tokens[id]));
    // gpt-oss (harmony) and solar-open end a message with <|end|> but a turn with <|return|> / <|call|>.
    if (texts.has('<|end|>') && ((texts.has('<|return|>') && texts.has('<|call|>')) || (texts.has('<|calls|>') && texts.has('<|flush|>')))) {
      eog.delete(this.ids.get('<|end|>')!);
    }
    // Gemma 4 uses </s> inside tool responses.
    if (texts.has('<|tool_response>') && texts.has('</s>')) eog.delete(this.ids.get('</s>')!);
    return [...eog];
  }
}

/** Hugging Face's clean_up_tokenization. */
function cleanUpSpaces(text: string): string {
  return text.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}
