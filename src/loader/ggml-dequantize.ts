/**
 * Dequantization of ggml block formats to f32 (ggml-quants.c):
 *   Q8_0: 34-byte blocks of 32 elements: f16 scale d, then 32 int8 q;  x = q * d
 *   Q4_0: 18-byte blocks of 32 elements: f16 scale d, then 16 bytes;   x = (nibble - 8) * d,
 *         byte j's low nibble is element j, its high nibble element j + 16
 */
import { f16ToF32 } from '../../bindings/half.js';

const QK = 32;

function blockScale(src: Uint8Array, at: number): number {
  return f16ToF32(src[at]! | (src[at + 1]! << 8));
}

export function dequantizeQ8_0(src: Uint8Array, numElements: number): Float32Array {
  const out = new Float32Array(numElements);
  const q = new Int8Array(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0, at = 0; b * QK < numElements; b++, at += 2 + QK) {
    const d = blockScale(src, at);
    for (let j = 0; j < QK; j++) out[b * QK + j] = q[at + 2 + j]! * d;
  }
  return out;
}

export function dequantizeQ4_0(src: Uint8Array, numElements: number): Float32Array {
  const out = new Float32Array(numElements);
  for (let b = 0, at = 0; b * QK < numElements; b++, at += 2 + QK / 2) {
    const d = blockScale(src, at);
    for (let j = 0; j < QK / 2; j++) {
      const byte = src[at + 2 + j]!;
      out[b * QK + j] = ((byte & 0x0f) - 8) * d;
      out[b * QK + j + QK / 2] = ((byte >> 4) - 8) * d;
    }
  }
  return out;
}
