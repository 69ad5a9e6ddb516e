import { type RopeConfig, ropeFrequencies } from './rope-frequencies.js';

/**
 * The cache ops.rotaryEmbedding reads: [maxPositions, rotaryDim] f32, row p = cos(p·f) in its first rotaryDim/2
 * columns and sin(p·f) in the rest, both times the attention factor. Dynamic NTK is evaluated at
 * seqLen = maxPositions, so every position shares one set of frequencies (as transformers does once its cache
 * has grown to that length).
 */
export function buildCosSinCache(config: RopeConfig, maxPositions: number): Float32Array {
  const { invFreq, attentionFactor, rotaryDim } = ropeFrequencies(config, maxPositions);
  const half = rotaryDim / 2;
  const cache = new Float32Array(maxPositions * rotaryDim);
  for (let p = 0; p < maxPositions; p++) {
    const row = p * rotaryDim;
    for (let i = 0; i < half; i++) {
      const angle = p * invFreq[i]!;
      cache[row + i] = Math.cos(angle) * attentionFactor;
      cache[row + half + i] = Math.sin(angle) * attentionFactor;
    }
  }
  return cache;
}
