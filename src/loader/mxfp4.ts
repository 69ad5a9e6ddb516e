import { f32ToBf16 } from '../../bindings/half.js';
import { ModelFileError } from '../errors.js';
import type { WeightSource } from './weights.js';

/** FP4 E2M1 values by code (OCP Microscaling spec): sign bit 3, then exponent and mantissa. */
const E2M1 = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/** Values per MXFP4 block (one E8M0 scale each); 16 bytes hold them, two codes a byte, the low nibble first. */
export const MXFP4_BLOCK = 32;

/**
 * A tensor stored as MXFP4 the way gpt-oss checkpoints store their experts: `<name>_blocks` [...rows, K/32, 16] u8
 * and `<name>_scales` [...rows, K/32] u8 (E8M0: 2^(s − 127)). Returns the values as bf16 bits, [...rows, K]
 * row-major (every MXFP4 value is exact in bf16).
 */
export function dequantizeMxfp4(weights: WeightSource, name: string, rows: readonly number[], k: number): Uint16Array {
  if (k % MXFP4_BLOCK !== 0) throw new ModelFileError(weights.path, `${name}_blocks`, `row length ${k} is not a multiple of ${MXFP4_BLOCK}`);
  const groups = k / MXFP4_BLOCK;
  const blocks = weights.get(`${name}_blocks`);
  const scales = weights.get(`${name}_scales`);
  const expect = (t: typeof blocks, shape: number[]): void => {
    if (t.dtype !== 'u8' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelFileError(weights.path, t.name, `expected u8 [${shape.join(', ')}], found ${t.dtype} [${t.shape.join(', ')}]`);
    }
  };
  expect(blocks, [...rows, groups, MXFP4_BLOCK / 2]);
  expect(scales, [...rows, groups]);
  const n = rows.reduce((a, b) => a * b, 1) * groups;
  const table = new Uint16Array(256 * 16);  // bf16 of E2M1[code] · 2^(s − 127), per scale byte s
  for (let s = 0; s < 256; s++) for (let c = 0; c < 16; c++) table[s * 16 + c] = f32ToBf16(E2M1[c]! * 2 ** (s - 127));
  const out = new Uint16Array(n * MXFP4_BLOCK);
  const b = blocks.data, sc = scales.data;
  for (let g = 0; g < n; g++) {
    const base = sc[g]! * 16, src = g * 16, dst = g * MXFP4_BLOCK;
    for (let j = 0; j < 16; j++) {
      const byte = b[src + j]!;
      out[dst + 2 * j] = table[base + (byte & 15)]!;
      out[dst + 2 * j + 1] = table[base + (byte >> 4)]!;
    }
  }
  return out;
}
