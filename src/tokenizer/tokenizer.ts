/** The one tokenizer contract the engine, the server and the chat-template renderer use, whatever the source. */

export interface EncodeOptions {
  /** Add BOS/EOS (or CLS/SEP) as the model's config says. Default true. */
  addSpecialTokens?: boolean;
  /**
   * Recognise the text of control tokens (`<|im_start|>`, `<s>`, ...) in the input as those tokens. Default true,
   * as Hugging Face tokenizers do; false treats it as plain text (llama.cpp's `parse_special = false`).
   * User-defined added tokens are always recognised. Tokenizers from tokenizer.json always recognise all added tokens.
   */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave out special tokens (BOS, EOS, control tokens). Default true. */
  skipSpecialTokens?: boolean;
  /** Hugging Face's clean_up_tokenization_spaces (" ." -> ".", " 's" -> "'s", ...). Default false: lossless. */
  cleanUpSpaces?: boolean;
}

export interface SpecialTokens {
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly unkTokenId: number | null;
  readonly padTokenId: number | null;
  /** Every id that `decode(..., { skipSpecialTokens: true })` leaves out. */
  readonly ids: ReadonlySet<number>;
}

/** Chat templates by name; a single template is named "default" (Hugging Face's convention). */
export type ChatTemplates = Readonly<Record<string, string>>;

export interface Tokenizer {
  /** Number of ids, added tokens included (the largest id + 1). */
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  /** The ids that end generation: the tokenizer's EOS first, then any the generation config adds. */
  readonly eosTokenIds: readonly number[];
  readonly specials: SpecialTokens;
  readonly chatTemplates: ChatTemplates;
  encode(text: string, options?: EncodeOptions): number[];
  /** Bytes that do not form a whole UTF-8 character decode to U+FFFD. */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The vocabulary entry as stored (e.g. "▁Hello", "Ġworld", "<0x0A>"); null when the id is out of range. */
  idToToken(id: number): string | null;
  tokenToId(token: string): number | null;
}
