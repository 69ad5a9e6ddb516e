/**
 * Plain f64 paged attention, written for clarity: for each query token and head, gather its visible keys one
 * by one through the block table, softmax the scores (with the optional sink logit), average the values.
 */
export interface PagedKv {
  /** [numBlocks, blockSize, numKvHeads, headSize], contiguous. */
  readonly keyCache: Float32Array;
  readonly valueCache: Float32Array;
  readonly blockSize: number;
  readonly numKvHeads: number;
  readonly headSize: number;
}

export interface AttentionBatch {
  /** [numTokens, numHeads, headSize], contiguous. */
  readonly q: Float32Array;
  readonly numHeads: number;
  readonly queryStartLoc: readonly number[];
  readonly seqLens: readonly number[];
  readonly blockTables: readonly (readonly number[])[];
}

export interface AttentionConfig {
  readonly scale: number;
  readonly slidingWindow?: number;
  readonly softcap?: number;
  readonly sinks?: ArrayLike<number>;
}

/** [numTokens, numHeads, headSize] */
export function referencePagedAttention(kv: PagedKv, batch: AttentionBatch, cfg: AttentionConfig): Float64Array {
  const { blockSize, numKvHeads, headSize: d } = kv;
  const { numHeads } = batch;
  const groupSize = numHeads / numKvHeads;
  const numTokens = batch.queryStartLoc[batch.queryStartLoc.length - 1]!;
  const out = new Float64Array(numTokens * numHeads * d);
  const cacheRow = (seq: number, pos: number, kvHead: number): number => {
    const block = batch.blockTables[seq]![Math.floor(pos / blockSize)]!;
    return ((block * blockSize + (pos % blockSize)) * numKvHeads + kvHead) * d;
  };
  for (let seq = 0; seq < batch.seqLens.length; seq++) {
    const start = batch.queryStartLoc[seq]!, end = batch.queryStartLoc[seq + 1]!;
    const seqLen = batch.seqLens[seq]!;
    for (let token = start; token < end; token++) {
      const pos = seqLen - (end - start) + (token - start);
      const firstKey = cfg.slidingWindow ? Math.max(0, pos - cfg.slidingWindow + 1) : 0;
      for (let head = 0; head < numHeads; head++) {
        const kvHead = Math.floor(head / groupSize);
        const qRow = (token * numHeads + head) * d;
        const logits: number[] = [];
        for (let key = firstKey; key <= pos; key++) {
          const kRow = cacheRow(seq, key, kvHead);
          let dot = 0;
          for (let i = 0; i < d; i++) dot += batch.q[qRow + i]! * kv.keyCache[kRow + i]!;
          let s = dot * cfg.scale;
          if (cfg.softcap) s = cfg.softcap * Math.tanh(s / cfg.softcap);
          logits.push(s);
        }
        const sink = cfg.sinks ? cfg.sinks[head]! : -Infinity;
        const max = Math.max(sink, ...logits);
        const weights = logits.map((s) => Math.exp(s - max));
        const denom = weights.reduce((a, b) => a + b, 0) + Math.exp(sink - max);
        for (let k = 0; k < weights.length; k++) {
          const vRow = cacheRow(seq, firstKey + k, kvHead);
          const w = weights[k]! / denom;
          for (let i = 0; i < d; i++) out[qRow + i] = out[qRow + i]! + w * kv.valueCache[vRow + i]!;
        }
      }
    }
  }
  return out;
}
