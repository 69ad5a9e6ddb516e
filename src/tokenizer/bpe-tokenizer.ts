/**
 * Byte-level BPE over a GGUF `gpt2` vocabulary, as llama.cpp's llm_tokenizer_bpe: the pre-tokenizer regexes of
 * `tokenizer.ggml.pre` split the text into words; each word's UTF-8 bytes become GPT-2's printable characters; then
 * the adjacent pair with the lowest merge rank is merged (leftmost on ties) until no pair has a rank.
 */
import { HipserveError } from '../errors.js';
import { fromByteLevel, toByteLevel } from './byte-level.js';
import { bpePreTokenizer, type BpePreTokenizer } from './bpe-pre-tokenizers.js';
import type { GgufVocab } from './gguf-vocab.js';
import { MinHeap } from './min-heap.js';
import { splitWithRegexes } from './regex-split.js';
import { VocabTokenizer } from './vocab-tokenizer.js';

interface Bigram {
  readonly left: number;
  readonly right: number;
  readonly rank: number;
  readonly leftLength: number;
  readonly rightLength: number;
}

const byRankThenLeft = (a: Bigram, b: Bigram): boolean => a.rank < b.rank || (a.rank === b.rank && a.left < b.left);

const CACHE_LIMIT = 50_000;

export class BpeTokenizer extends VocabTokenizer {
  private readonly pre: BpePreTokenizer;
  /** "left right" -> rank; the first occurrence of a duplicated merge wins, as in llama.cpp. */
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, readonly number[]>();

  constructor(vocab: GgufVocab) {
    if (!vocab.merges) {
      throw new HipserveError('unsupported', `${vocab.file}: tokenizer.ggml.merges: missing, a BPE vocabulary needs merges`);
    }
    const pre = bpePreTokenizer(vocab.pre, vocab.file);
    const bos = pre.noBos ? null : vocab.bosTokenId;
    const eos = vocab.eosTokenId;
    super(vocab, {
      bosTokenId: bos,
      eosTokenId: eos,
      unkTokenId: vocab.unkTokenId,
      prefixIds: (vocab.addBosToken ?? pre.addBos) && bos !== null ? [bos] : [],
      suffixIds: (vocab.addEosToken ?? false) && eos !== null ? [eos] : [],
      stripLeadingSpace: false,
    });
    this.pre = pre;
    vocab.merges.forEach((m, rank) => { if (!this.ranks.has(m)) this.ranks.set(m, rank); });
  }

  protected encodeText(text: string, out: number[]): void {
    for (const word of splitWithRegexes(text, this.pre.regexes)) {
      const encoded = toByteLevel(word);
      let ids = this.cache.get(encoded);
      if (!ids) {
        ids = this.encodeWord(encoded);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(encoded, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  protected normalTokenBytes(token: string, out: number[]): void {
    fromByteLevel(token, out);
  }

  /** `word` is in byte-level form: one UTF-16 code unit per byte. */
  private encodeWord(word: string): number[] {
    const whole = this.ids.get(word);
    if (whole !== undefined && this.pre.ignoreMerges) return [whole];
    const n = word.length;
    const length = new Array<number>(n).fill(1);
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const queue = new MinHeap<Bigram>(byRankThenLeft);
    const tryPair = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const rank = this.ranks.get(word.slice(left, left + length[left]!) + ' ' + word.slice(right, right + length[right]!));
      if (rank !== undefined) queue.push({ left, right, rank, leftLength: length[left]!, rightLength: length[right]! });
    };
    for (let i = 1; i < n; i++) tryPair(i - 1, i);

    for (let bigram = queue.pop(); bigram; bigram = queue.pop()) {
      const { left, right } = bigram;
      if (length[left] !== bigram.leftLength || length[right] !== bigram.rightLength) continue;
      length[left] = bigram.leftLength + bigram.rightLength;
      length[right] = 0;
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryPair(prev[left]!, left);
      tryPair(left, next[left]!);
    }

    const ids: number[] = [];
    for (let i = n > 0 ? 0 : -1; i !== -1; i = next[i]!) {
      const piece = word.slice(i, i + length[i]!);
      const id = this.ids.get(piece);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      for (const ch of piece) {
        const byteId = this.ids.get(ch);
        if (byteId !== undefined) ids.push(byteId);
      }
    }
    return ids;
  }
}
