import type { SamplingKernels } from './sampling-kernels.js';

function argmaxRow(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function maskBelow(row: Float32Array, threshold: number): void {
  for (let i = 0; i < row.length; i++) if (row[i]! < threshold) row[i] = -Infinity;
}

function filterRow(row: Float32Array, topK: number, topP: number, minP: number): void {
  const max = row[argmaxRow(row)]!;
  if (max === -Infinity) return;
  if ((topK > 0 && topK < row.length) || topP < 1) {
    const order = Array.from(row.keys()).sort((x, y) => row[y]! - row[x]! || x - y);
    if (topK > 0 && topK < row.length) maskBelow(row, row[order[topK - 1]!]!);
    if (topP < 1) {
      let total = 0;
      for (const i of order) if (row[i]! > -Infinity) total += Math.exp(row[i]! - max);
      let cumulative = 0;
      for (const i of order) {
        cumulative += Math.exp(row[i]! - max);
        if (cumulative >= topP * total) {
          maskBelow(row, row[i]!);
          break;
        }
      }
    }
  }
  if (minP > 0) maskBelow(row, max + Math.log(minP));
}

function sampleRow(row: Float32Array, u: number): number {
  const max = row[argmaxRow(row)]!;
  let total = 0;
  for (let i = 0; i < row.length; i++) total += Math.exp(row[i]! - max);
  const target = u * total;
  let cumulative = 0, last = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === -Infinity) continue;
    cumulative += Math.exp(row[i]! - max);
    last = i;
    if (cumulative > target) return i;
  }
  return last;
}

/** The reference implementation in plain TypeScript. */
export const jsSamplingKernels: SamplingKernels = {
  argmax(logits, numRows, vocabSize, out) {
    for (let r = 0; r < numRows; r++) out[r] = argmaxRow(logits.subarray(r * vocabSize, (r + 1) * vocabSize));
  },
  topKTopPMinP(logits, numRows, vocabSize, topK, topP, minP) {
    for (let r = 0; r < numRows; r++) {
      if (topK[r]! <= 0 && topP[r]! >= 1 && minP[r]! <= 0) continue;
      filterRow(logits.subarray(r * vocabSize, (r + 1) * vocabSize), topK[r]!, topP[r]!, minP[r]!);
    }
  },
  sampleCategorical(logits, numRows, vocabSize, uniform, out) {
    for (let r = 0; r < numRows; r++) out[r] = sampleRow(logits.subarray(r * vocabSize, (r + 1) * vocabSize), uniform[r]!);
  },
};
