import type { DecodeOptions, Tokenizer } from '../tokenizer/tokenizer.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * A tokenizer for the fake model: id 0 is BOS and `eosTokenId` is EOS (both special, text "<s>" / "</s>"); every
 * other id decodes to a fixed piece (" a", "b", " c", ... with a suffix for ids past 26). Pieces concatenate, so
 * tests can predict text exactly.
 */
export class FakeTokenizer implements Tokenizer {
  readonly bosTokenId = 0;
  readonly eosTokenIds: readonly number[];
  readonly specials;
  readonly chatTemplates = {};
  private readonly pieces: string[];

  constructor(readonly vocabSize: number, eosTokenId: number | null) {
    this.eosTokenIds = eosTokenId === null ? [] : [eosTokenId];
    this.specials = { bosToken: '<s>', eosToken: eosTokenId === null ? null : '</s>', unkTokenId: null, padTokenId: null,
      ids: new Set([0, ...this.eosTokenIds]) };
    this.pieces = Array.from({ length: vocabSize }, (_, i) => FakeTokenizer.piece(i));
    this.pieces[0] = '<s>';
    if (eosTokenId !== null) this.pieces[eosTokenId] = '</s>';
  }

  /** The text of a non-special id. */
  static piece(id: number): string {
    return (id % 2 === 0 ? ' ' : '') + LETTERS[id % 26]! + (id >= 26 ? String(Math.floor(id / 26)) : '');
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (let at = 0; at < text.length;) {
      let best = -1;
      this.pieces.forEach((p, id) => {
        if (text.startsWith(p, at) && (best < 0 || p.length > this.pieces[best]!.length)) best = id;
      });
      if (best < 0) throw new RangeError(`fake tokenizer cannot encode ${JSON.stringify(text.slice(at))}`);
      ids.push(best);
      at += this.pieces[best]!.length;
    }
    return ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? true;
    return ids.filter((id) => !(skip && this.specials.ids.has(id))).map((id) => this.pieces[id] ?? '').join('');
  }

  idToToken(id: number): string | null {
    return this.pieces[id] ?? null;
  }

  tokenToId(token: string): number | null {
    const id = this.pieces.indexOf(token);
    return id < 0 ? null : id;
  }
}
