/**
 * WordPiece over a GGUF `bert` vocabulary, as llama.cpp's llm_tokenizer_wpm: BERT normalization (lowercase, strip
 * accents, drop control characters, split on whitespace, punctuation and CJK ideographs), then greedy longest match
 * from the start of "▁word"; a word with any unmatched position becomes [UNK]. llama.cpp's converter stores word
 * starts as "▁word" and continuations ("##ing") as "ing".
 */
import type { GgufVocab } from './gguf-vocab.js';
import { VocabTokenizer } from './vocab-tokenizer.js';

const SPACE = '\u2581';
const utf8 = new TextEncoder();

const WHITESPACE = /\s/u;
const CONTROL = /\p{C}/u;
const ACCENT = /\p{M}/u;
const PUNCTUATION = /\p{P}/u;
const SYMBOL = /\p{S}/u;

/** The ranges BERT treats as Chinese characters (including its 0x2B920 quirk, kept by llama.cpp and HF). */
function isChinese(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

export class WpmTokenizer extends VocabTokenizer {
  private readonly maxTokenLength: number;

  constructor(vocab: GgufVocab) {
    const inRange = (id: number): number | null => (id < vocab.tokens.length ? id : null);
    const bos = vocab.bosTokenId ?? vocab.clsTokenId ?? inRange(101);
    const sep = vocab.sepTokenId ?? inRange(102);
    super(vocab, {
      bosTokenId: bos,
      eosTokenId: vocab.eosTokenId,
      unkTokenId: vocab.unkTokenId ?? inRange(100),
      prefixIds: (vocab.addBosToken ?? true) && bos !== null ? [bos] : [],
      suffixIds: (vocab.addSepToken ?? true) && sep !== null ? [sep] : [],
      stripLeadingSpace: true,
    });
    this.maxTokenLength = this.tokens.reduce((m, t) => Math.max(m, t.length), 0);
  }

  protected encodeText(text: string, out: number[]): void {
    for (const word of this.words(text)) {
      const w = SPACE + word;
      const start = out.length;
      for (let i = 0; i < w.length;) {
        let end = Math.min(w.length, i + this.maxTokenLength);
        for (; end > i; end--) {
          const id = this.ids.get(w.slice(i, end));
          if (id !== undefined) {
            out.push(id);
            break;
          }
        }
        if (end === i) {
          out.length = start;
          break;
        }
        i = end;
      }
      if (out.length === start && this.unkTokenId !== null) out.push(this.unkTokenId);
    }
  }

  protected normalTokenBytes(token: string, out: number[]): void {
    out.push(...utf8.encode(token.replaceAll(SPACE, ' ')));
  }

  /** BERT's basic tokenizer: lowercase + NFD accent stripping, split on spaces, punctuation and CJK. */
  private words(text: string): string[] {
    const words: string[] = [];
    let word = '';
    const flush = (): void => {
      if (word.length > 0) words.push(word);
      word = '';
    };
    for (const ch of text.normalize('NFD')) {
      const cp = ch.codePointAt(0)!;
      if (WHITESPACE.test(ch)) {
        flush();
        continue;
      }
      if (cp === 0 || cp === 0xfffd || CONTROL.test(ch) || ACCENT.test(ch)) continue;
      const lower = ch.toLowerCase();
      if (PUNCTUATION.test(ch) || (cp < 0x7f && SYMBOL.test(ch)) || isChinese(cp)) {
        flush();
        words.push(lower);
      } else {
        word += lower;
      }
    }
    flush();
    return words;
  }
}
