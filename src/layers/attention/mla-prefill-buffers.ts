import { latentDim, type MlaDims, qkHeadDim } from './mla-dims.js';

/**
 * The expanded prefill's work space, shared by every layer: the step's context latents gathered per sequence
 * [numContext, Lat], the decompressed keys and values [numContext, H, qk], queries and output [T, H, qk], and
 * the block table [numSeqs, maxSeqLen] that lists each sequence's context rows. Grows, never shrinks.
 */
export class MlaPrefillBuffers {
  ctxLatent: Float32Array = new Float32Array(0);
  keys: Float32Array = new Float32Array(0);
  /** Only the first v_head_dim of each head is ever written: the padding stays zero. */
  values: Float32Array = new Float32Array(0);
  queries: Float32Array = new Float32Array(0);
  out: Float32Array = new Float32Array(0);
  blockTables = new Int32Array(0);

  constructor(private readonly dims: MlaDims) {}

  reserve(numTokens: number, numContext: number, tableSize: number): void {
    const perHead = this.dims.numHeads * qkHeadDim(this.dims);
    const grow = (a: Float32Array, n: number) => (a.length >= n ? a : new Float32Array(Math.max(n, 2 * a.length)));
    this.ctxLatent = grow(this.ctxLatent, numContext * latentDim(this.dims));
    this.keys = grow(this.keys, numContext * perHead);
    this.values = grow(this.values, numContext * perHead);
    this.queries = grow(this.queries, numTokens * perHead);
    this.out = grow(this.out, numTokens * perHead);
    if (this.blockTables.length < tableSize) this.blockTables = new Int32Array(Math.max(tableSize, 2 * this.blockTables.length));
  }
}
