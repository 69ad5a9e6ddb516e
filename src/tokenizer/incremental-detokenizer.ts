/**
 * Streams the text of generated tokens as they arrive, emitting only text that is final (vLLM's
 * detokenize_incrementally): a window of recent tokens is decoded twice, up to the last emitted token and up to
 * the newest, and the difference is emitted unless it ends in U+FFFD (bytes of a character still incomplete).
 *
 *   ids:     ... p ............ r ............ n
 *                 |-- already --|-- pending --|
 *   emit decode(ids[p:n]) minus decode(ids[p:r]) once it does not end in U+FFFD; then p = r, r = n.
 *
 * Decoding a window (not single tokens) keeps context-dependent decoders right: SentencePiece's leading space,
 * byte-fallback characters split over tokens, and byte-level BPE characters split over tokens.
 */
import type { DecodeOptions, Tokenizer } from './tokenizer.js';

/** How many prompt tokens give context to the first generated ones (vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET). */
const PROMPT_CONTEXT = 5;
const REPLACEMENT = '\ufffd';

export class IncrementalDetokenizer {
  private readonly ids: number[];
  private prefixOffset: number;
  private readOffset: number;
  /** All text emitted so far. */
  private emitted = '';

  /** `promptIds` give the first generated token its context (e.g. whether it starts a word). */
  constructor(
    private readonly tokenizer: Tokenizer,
    promptIds: readonly number[] = [],
    private readonly options: DecodeOptions = {},
  ) {
    this.ids = promptIds.slice(-PROMPT_CONTEXT);
    this.prefixOffset = 0;
    this.readOffset = this.ids.length;
  }

  get text(): string {
    return this.emitted;
  }

  /** Adds generated tokens; returns the text that became final ("" when it is still pending). */
  push(...newIds: number[]): string {
    for (const id of newIds) this.ids.push(id);
    const prefixText = this.decode(this.prefixOffset, this.readOffset);
    const newText = this.decode(this.prefixOffset, this.ids.length);
    if (newText.length <= prefixText.length || newText.endsWith(REPLACEMENT)) return '';
    return this.advance(newText.slice(prefixText.length));
  }

  /** At the end of the stream: emits what is pending, U+FFFD included if the bytes never formed a character. */
  flush(): string {
    const prefixText = this.decode(this.prefixOffset, this.readOffset);
    const newText = this.decode(this.prefixOffset, this.ids.length);
    if (newText.length <= prefixText.length) return '';
    return this.advance(newText.slice(prefixText.length));
  }

  private advance(delta: string): string {
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    // Drop tokens before the window so memory stays bounded on long generations.
    if (this.prefixOffset > 0) {
      this.ids.splice(0, this.prefixOffset);
      this.readOffset -= this.prefixOffset;
      this.prefixOffset = 0;
    }
    this.emitted += delta;
    return delta;
  }

  private decode(start: number, end: number): string {
    return start < end ? this.tokenizer.decode(this.ids.slice(start, end), this.options) : '';
  }
}
