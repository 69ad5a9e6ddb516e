/** Decode batch sizes captured into graphs: 1, 2, 4, 8, then every multiple of 16 (vLLM captures a similar ladder). */
export function graphSizeFor(numSeqs: number, maxGraphBatch: number): number | null {
  if (numSeqs > maxGraphBatch) return null;
  const size = numSeqs <= 8 ? 2 ** Math.ceil(Math.log2(Math.max(1, numSeqs))) : Math.ceil(numSeqs / 16) * 16;
  return Math.min(size, maxGraphBatch);
}
