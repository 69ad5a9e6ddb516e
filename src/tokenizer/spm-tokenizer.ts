/**
 * SentencePiece BPE over a GGUF `llama` vocabulary, as llama.cpp's llm_tokenizer_spm: spaces become "▁", a "▁" is
 * prepended at the start and after each special token (add_space_prefix), then the adjacent pair whose merged text
 * is the highest-scoring token is merged (leftmost on ties) until none is left; a character no token covers falls
 * back to its UTF-8 bytes as <0xNN> tokens.
 */
import type { GgufVocab } from './gguf-vocab.js';
import { MinHeap } from './min-heap.js';
import { VocabTokenizer } from './vocab-tokenizer.js';

const SPACE = '\u2581';
const utf8 = new TextEncoder();

interface Bigram {
  readonly left: number;
  readonly right: number;
  readonly score: number;
  /** Length of the merged text, to recognise a pair that a later merge made stale. */
  readonly length: number;
}

const byScoreThenLeft = (a: Bigram, b: Bigram): boolean => a.score > b.score || (a.score === b.score && a.left < b.left);

export class SpmTokenizer extends VocabTokenizer {
  private readonly scores: ArrayLike<number>;
  private readonly addSpacePrefix: boolean;

  constructor(vocab: GgufVocab) {
    const inRange = (id: number): number | null => (id < vocab.tokens.length ? id : null);
    const bos = vocab.bosTokenId ?? inRange(1);
    const eos = vocab.eosTokenId ?? inRange(2);
    const addSpacePrefix = vocab.addSpacePrefix ?? true;
    super(vocab, {
      bosTokenId: bos,
      eosTokenId: eos,
      unkTokenId: vocab.unkTokenId ?? inRange(0),
      prefixIds: (vocab.addBosToken ?? true) && bos !== null ? [bos] : [],
      suffixIds: (vocab.addEosToken ?? false) && eos !== null ? [eos] : [],
      stripLeadingSpace: addSpacePrefix,
    });
    this.scores = vocab.scores ?? new Float32Array(vocab.tokens.length);
    this.addSpacePrefix = addSpacePrefix;
  }

  protected encodeText(text: string, out: number[], afterSpecial: boolean): void {
    const escaped = (this.addSpacePrefix && afterSpecial ? ' ' + text : text).replaceAll(' ', SPACE);
    const chars = Array.from(escaped);
    // Symbol i covers chars [start[i], start[i] + 1) at first and grows as its right neighbours merge into it.
    const start: number[] = [];
    const length: number[] = [];
    const prev: number[] = [];
    const next: number[] = [];
    let offset = 0;
    chars.forEach((c, i) => {
      start.push(offset);
      length.push(c.length);
      offset += c.length;
      prev.push(i - 1);
      next.push(i + 1 < chars.length ? i + 1 : -1);
    });
    const queue = new MinHeap<Bigram>(byScoreThenLeft);
    const tryPair = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const merged = escaped.slice(start[left], start[left]! + length[left]! + length[right]!);
      const id = this.ids.get(merged);
      if (id !== undefined) queue.push({ left, right, score: this.scores[id]!, length: merged.length });
    };
    for (let i = 1; i < chars.length; i++) tryPair(i - 1, i);

    for (let bigram = queue.pop(); bigram; bigram = queue.pop()) {
      const { left, right } = bigram;
      if (length[left] === 0 || length[right] === 0 || length[left]! + length[right]! !== bigram.length) continue;
      length[left] = bigram.length;
      length[right] = 0;
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryPair(prev[left]!, left);
      tryPair(left, next[left]!);
    }

    for (let i = chars.length > 0 ? 0 : -1; i !== -1; i = next[i]!) {
      const piece = escaped.slice(start[i], start[i]! + length[i]!);
      const id = this.ids.get(piece);
      if (id !== undefined) out.push(id);
      else this.byteFallback(piece, out);
    }
  }

  protected normalTokenBytes(token: string, out: number[]): void {
    out.push(...utf8.encode(token.replaceAll(SPACE, ' ')));
  }

  private byteFallback(piece: string, out: number[]): void {
    for (const byte of utf8.encode(piece)) {
      const id = this.byteTokenId(byte) ?? (byte < 0x80 ? this.ids.get(String.fromCharCode(byte)) : undefined) ?? this.unkTokenId;
      if (id !== null && id !== undefined) out.push(id);
    }
  }
}
