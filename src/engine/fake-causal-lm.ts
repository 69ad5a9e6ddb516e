import type { ModelConfig } from '../loader/model-config.js';
import type { CausalLM, ForwardBatch } from '../models/forward-batch.js';

export interface FakeModelOptions {
  vocabSize?: number;
  /** Token that ends generation (also in config.eosTokenIds); null for none. */
  eosTokenId?: number | null;
  /** Busy-waits this long per forward, to stand in for a real model's compute. */
  forwardDelayMs?: number;
}

const UNWRITTEN = -1;

/** The fake model's per-token "K/V": a hash chained over every earlier token, so it depends on the whole prefix. */
export function fakeKv(previous: number, tokenId: number, position: number): number {
  let h = (previous ^ Math.imul(tokenId + 1, 0x9e3779b1) ^ Math.imul(position + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The logits the fake model gives after a token whose K/V is `kv`. */
export function fakeLogits(kv: number, out: Float32Array): void {
  for (let v = 0; v < out.length; v++) out[v] = (fakeKv(kv, v, -1) / 4294967296) * 8 - 4;
}

/**
 * A deterministic stand-in for a real model that exercises the paged KV cache as a real one does: each token's K/V
 * is written to its slot and each step reads every earlier position of the sequence through the block table. A
 * wrong block table, a stale prefix-cache block or a slot never written changes the output or throws, so tests can
 * compare against a plain reference.
 */
export class FakeCausalLM implements CausalLM {
  readonly config: ModelConfig;
  private kv = new Uint32Array(0);
  private positions = new Int32Array(0);
  private blockSize = 0;
  private readonly row: Float32Array;

  constructor(private readonly options: FakeModelOptions = {}) {
    const vocabSize = options.vocabSize ?? 64;
    this.row = new Float32Array(vocabSize);
    this.config = {
      architecture: 'FakeForCausalLM', modelType: 'fake', vocabSize, hiddenSize: 8, intermediateSize: 8,
      numHiddenLayers: 1, numAttentionHeads: 1, numKeyValueHeads: 1, headDim: 8, rmsNormEps: 1e-6, ropeTheta: 10000,
      rope: { type: 'default', factor: 1 }, partialRotaryFactor: 1, ropeIsNeox: true, maxPositionEmbeddings: 1 << 20,
      tieWordEmbeddings: true, hiddenAct: 'silu', attentionBias: false, qkNorm: false, slidingWindow: null,
      bosTokenId: null, eosTokenIds: options.eosTokenId == null ? [] : [options.eosTokenId], torchDtype: 'float32', raw: {},
    };
  }

  kvCacheBytesPerBlock(blockSize: number): number {
    return blockSize * 8;
  }

  allocateKvCache(numBlocks: number, blockSize: number): void {
    this.kv = new Uint32Array(numBlocks * blockSize);
    this.positions = new Int32Array(numBlocks * blockSize).fill(UNWRITTEN);
    this.blockSize = blockSize;
  }

  forward(batch: ForwardBatch): Float32Array {
    if (this.blockSize === 0) throw new Error('fake model: forward before allocateKvCache');
    const rowKv = new Uint32Array(batch.numTokens);
    for (let b = 0; b < batch.numSeqs; b++) {
      const start = batch.queryStartLoc[b]!, end = batch.queryStartLoc[b + 1]!;
      for (let t = start; t < end; t++) {
        const p = batch.positions[t]!;
        const previous = p === 0 ? 0 : this.kv[this.slotOf(batch, b, p - 1)]!;
        const slot = this.slotOf(batch, b, p);
        if (batch.slotMapping[t] !== slot) throw new Error(`fake model: token ${t} maps to slot ${batch.slotMapping[t]}, its table says ${slot}`);
        rowKv[t] = this.kv[slot] = fakeKv(previous, batch.tokenIds[t]!, p);
        this.positions[slot] = p;
      }
      for (let p = 0; p < batch.seqLens[b]!; p++) this.slotOf(batch, b, p);
    }
    this.busyWait();
    const v = this.config.vocabSize;
    const logits = new Float32Array(batch.logitsIndices.length * v);
    batch.logitsIndices.forEach((t, r) => {
      fakeLogits(rowKv[t]!, this.row);
      logits.set(this.row, r * v);
    });
    return logits;
  }

  dispose(): void {
    this.kv = new Uint32Array(0);
  }

  /** The slot of position `p` of sequence `b`, checking it holds that position's K/V (or is about to). */
  private slotOf(batch: ForwardBatch, b: number, p: number): number {
    const block = batch.blockTables[b * batch.maxBlocksPerSeq + Math.floor(p / this.blockSize)]!;
    if (block <= 0) throw new Error(`fake model: sequence ${b} position ${p} has no block (${block})`);
    const slot = block * this.blockSize + (p % this.blockSize);
    const isWritten = this.positions[slot] === p;
    const isBeingWritten = p >= batch.seqLens[b]! - (batch.queryStartLoc[b + 1]! - batch.queryStartLoc[b]!);
    if (!isWritten && !isBeingWritten) throw new Error(`fake model: sequence ${b} reads position ${p}, never written to slot ${slot}`);
    return slot;
  }

  private busyWait(): void {
    const ms = this.options.forwardDelayMs ?? 0;
    if (ms <= 0) return;
    const until = performance.now() + ms;
    while (performance.now() < until);
  }
}
