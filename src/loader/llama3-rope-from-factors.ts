/**
 * Recovers Hugging Face's llama3 rope_scaling from the `rope_freqs.weight` tensor that convert_hf_to_gguf writes
 * instead of the parameters. It stores, per rotary frequency f_i = theta^(-2i/dim) with wavelength w_i = 2*pi/f_i,
 * the divisor r_i of that frequency:
 *
 *   r = 1                      where w < L / highFreqFactor
 *   r = factor                 where w > L / lowFreqFactor
 *   1/r = (1-s)/factor + s     between, with s = (L/w - lowFreqFactor) / (highFreqFactor - lowFreqFactor)
 *
 * Only L/lowFreqFactor and L/highFreqFactor are identifiable, so L is fixed at llama3's 8192 and the two
 * factors solved from the smoothed points; the result is accepted only if it reproduces every stored r_i.
 */
import type { RopeScaling } from './model-config.js';

const ORIGINAL_CONTEXT = 8192;
const TOLERANCE = 1e-3;

export function llama3RopeFromFactors(factors: ArrayLike<number>, theta: number, rotaryDims: number): RopeScaling | null {
  const n = factors.length;
  if (n === 0 || n !== rotaryDims / 2) return null;
  const invWavelength = Array.from({ length: n }, (_, i) => theta ** (-(2 * i) / rotaryDims) / (2 * Math.PI));
  const factor = Math.max(...Array.from(factors));
  if (!(factor > 1)) return null;
  const smooth = (r: number) => (1 / r - 1 / factor) / (1 - 1 / factor);
  const mid: number[] = [];
  for (let i = 0; i < n; i++) if (!near(factors[i]!, 1) && !near(factors[i]!, factor)) mid.push(i);

  // s = (u - a) / (b - a) in u = 1/w, with a = lowFreqFactor/L and b = highFreqFactor/L.
  let a: number;
  let b: number;
  if (mid.length >= 2) {
    const [i, j] = [mid[0]!, mid[mid.length - 1]!];
    const slope = (smooth(factors[j]!) - smooth(factors[i]!)) / (invWavelength[j]! - invWavelength[i]!);
    a = invWavelength[i]! - smooth(factors[i]!) / slope;
    b = a + 1 / slope;
  } else {
    // Too few smoothed points to solve: assume llama3's highFreqFactor / lowFreqFactor = 4.
    const i = mid[0];
    const highestFull = Math.max(...invWavelength.filter((_, k) => near(factors[k]!, factor)));
    a = i === undefined ? highestFull * 1.001 : invWavelength[i]! / (3 * smooth(factors[i]!) + 1);
    b = 4 * a;
  }
  const rope: RopeScaling = {
    type: 'llama3', factor: round(factor), lowFreqFactor: round(a * ORIGINAL_CONTEXT), highFreqFactor: round(b * ORIGINAL_CONTEXT),
    originalMaxPositionEmbeddings: ORIGINAL_CONTEXT,
  };
  for (let i = 0; i < n; i++) {
    if (!near(llama3Divisor(rope, invWavelength[i]!), factors[i]!)) return null;
  }
  return rope;
}

function llama3Divisor(rope: RopeScaling, invWavelength: number): number {
  const low = rope.lowFreqFactor! / ORIGINAL_CONTEXT;
  const high = rope.highFreqFactor! / ORIGINAL_CONTEXT;
  if (invWavelength > high) return 1;
  if (invWavelength < low) return rope.factor;
  const s = (invWavelength - low) / (high - low);
  return 1 / ((1 - s) / rope.factor + s);
}

function near(x: number, y: number): boolean {
  return Math.abs(x - y) <= TOLERANCE * Math.max(1, Math.abs(y));
}

/** Stored as f32: snap to 4 decimals so the config reads 1 and 4, not 0.99999994 and 4.0000005. */
function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
