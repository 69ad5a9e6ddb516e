/** Plain, obviously-correct references for the layer tests (row-major f32). */

export function matmulRef(x: Float32Array, w: Float32Array, bias: Float32Array | null, m: number, k: number,
  n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j]! : 0;
      for (let t = 0; t < k; t++) s += x[i * k + t]! * w[j * k + t]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

export const silu = (v: number): number => v / (1 + Math.exp(-v));
export const geluTanh = (v: number): number =>
  0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

/**
 * Causal attention of each sequence's queries (the last q rows of its seqLen tokens) over keys/values given in
 * position order per sequence. q [T, Hq, D]; keys[b], values[b] [seqLen_b, Hk, D].
 */
export function attentionRef(q: Float32Array, keys: Float32Array[], values: Float32Array[], queryCounts: number[],
  numHeads: number, numKvHeads: number, headDim: number, scale: number, slidingWindow = 0): Float32Array {
  const out = new Float32Array(q.length);
  let row = 0;
  queryCounts.forEach((count, b) => {
    const seqLen = keys[b]!.length / (numKvHeads * headDim);
    for (let i = 0; i < count; i++, row++) {
      const pos = seqLen - count + i;
      for (let h = 0; h < numHeads; h++) {
        const kvh = Math.floor(h / (numHeads / numKvHeads));
        const visible: number[] = [];
        for (let j = 0; j <= pos; j++) if (slidingWindow <= 0 || j > pos - slidingWindow) visible.push(j);
        const scores = visible.map((j) => {
          let s = 0;
          for (let d = 0; d < headDim; d++) {
            s += q[(row * numHeads + h) * headDim + d]! * keys[b]![(j * numKvHeads + kvh) * headDim + d]!;
          }
          return s * scale;
        });
        const max = Math.max(...scores);
        const weights = scores.map((s) => Math.exp(s - max));
        const total = weights.reduce((a, c) => a + c, 0);
        for (let d = 0; d < headDim; d++) {
          let acc = 0;
          visible.forEach((j, n) => { acc += weights[n]! * values[b]![(j * numKvHeads + kvh) * headDim + d]!; });
          out[(row * numHeads + h) * headDim + d] = acc / total;
        }
      }
    }
  });
  return out;
}
