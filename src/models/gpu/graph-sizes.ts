/** Decode batch sizes captured into graphs: 1, 2, 4, 8, then every multiple of 16 (vLLM captures a similar ladder). */
export function graphSizeFor(numSeqs: number, maxGraphBatch: number): number | null {
  if (numSeqs > maxGraphBatch) return null;
  if (numSeqs <= 8) return numSeqs <= 1 ? 1 : 2 ** Math.ceil(Math.log2(numSeqs));
  return Math.min(Math.ceil(numSeqs / 16) * 16, maxGraphBatch);
}
