/**
 * transformers' DeepseekV3Attention written out plainly (f64) for one sequence: every key and value decompressed
 * from the latent through kv_b_proj, RoPE on the de-interleaved rope dims, softmax attention, o_proj.
 */
export interface MlaRefWeights {
  qProj?: Float32Array;
  qAProj?: Float32Array;
  qANorm?: Float32Array;
  qBProj?: Float32Array;
  kvAProj: Float32Array;
  kvANorm: Float32Array;
  kvBProj: Float32Array;
  oProj: Float32Array;
}

export interface MlaRefShape {
  hidden: number;
  heads: number;
  qLoraRank: number | null;
  kvLoraRank: number;
  nope: number;
  rope: number;
  v: number;
  eps: number;
  scale: number;
  /** inverse frequencies of the rope dims and cos/sin's factor */
  invFreq: ArrayLike<number>;
  attentionFactor: number;
  interleave: boolean;
}

function linear(x: ArrayLike<number>, w: ArrayLike<number>, inF: number, outF: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < outF; o++) {
    let s = 0;
    for (let i = 0; i < inF; i++) s += x[i]! * w[o * inF + i]!;
    out.push(s);
  }
  return out;
}

function rmsNorm(x: number[], w: ArrayLike<number>, eps: number): number[] {
  const ms = x.reduce((a, b) => a + b * b, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * w[i]!);
}

function rope(x: number[], pos: number, s: MlaRefShape): number[] {
  const half = x.length / 2;
  const y = s.interleave ? [...x.filter((_, i) => i % 2 === 0), ...x.filter((_, i) => i % 2 === 1)] : x;
  return y.map((v, i) => {
    const angle = pos * s.invFreq[i % half]!;
    const rotated = i < half ? -y[i + half]! : y[i - half]!;
    return (v * Math.cos(angle) + rotated * Math.sin(angle)) * s.attentionFactor;
  });
}

/** xs [seqLen][hidden] of one sequence → the attention output [seqLen][hidden] of its last `count` tokens. */
export function mlaReference(xs: Float32Array[], count: number, w: MlaRefWeights, s: MlaRefShape): number[][] {
  const qk = s.nope + s.rope;
  const keys: number[][][] = [];
  const values: number[][][] = [];
  const queries: number[][][] = [];
  xs.forEach((x, pos) => {
    const qFlat = s.qLoraRank === null ? linear(x, w.qProj!, s.hidden, s.heads * qk)
      : linear(rmsNorm(linear(x, w.qAProj!, s.hidden, s.qLoraRank), w.qANorm!, s.eps), w.qBProj!, s.qLoraRank, s.heads * qk);
    const compressed = linear(x, w.kvAProj, s.hidden, s.kvLoraRank + s.rope);
    const c = rmsNorm(compressed.slice(0, s.kvLoraRank), w.kvANorm, s.eps);
    const kRot = rope(compressed.slice(s.kvLoraRank), pos, s);
    const kv = linear(c, w.kvBProj, s.kvLoraRank, s.heads * (s.nope + s.v));
    const q: number[][] = [], k: number[][] = [], v: number[][] = [];
    for (let h = 0; h < s.heads; h++) {
      const qh = qFlat.slice(h * qk, (h + 1) * qk);
      q.push([...qh.slice(0, s.nope), ...rope(qh.slice(s.nope), pos, s)]);
      const kvh = kv.slice(h * (s.nope + s.v), (h + 1) * (s.nope + s.v));
      k.push([...kvh.slice(0, s.nope), ...kRot]);
      v.push(kvh.slice(s.nope));
    }
    queries.push(q);
    keys.push(k);
    values.push(v);
  });
  const outs: number[][] = [];
  for (let pos = xs.length - count; pos < xs.length; pos++) {
    const attn: number[] = [];
    for (let h = 0; h < s.heads; h++) {
      const scores = keys.slice(0, pos + 1).map((k) => k[h]!.reduce((a, kv, i) => a + kv * queries[pos]![h]![i]!, 0) * s.scale);
      const max = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - max));
      const total = e.reduce((a, b) => a + b, 0);
      for (let d = 0; d < s.v; d++) attn.push(e.reduce((a, wt, j) => a + wt * values[j]![h]![d]!, 0) / total);
    }
    outs.push(linear(attn, w.oProj, s.heads * s.v, s.hidden));
  }
  return outs;
}
