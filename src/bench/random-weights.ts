/** Benchmark inputs: random values in ±[2⁻⁵, 1) as f32, f16 or bf16 bits (never subnormal, inf or NaN). */
export type WeightDType = 'f32' | 'f16' | 'bf16';

export function randomWeights(dtype: WeightDType, count: number, seed: number): Float32Array | Uint16Array {
  let state = seed | 1;
  const bits = (): number => {  // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const out = dtype === 'f32' ? new Float32Array(count) : new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const r = bits();
    const sign = r >>> 31;
    const exp = (r >>> 24) % 5;  // 0..4 binades below 1.0
    if (dtype === 'f32') out[i] = (sign ? -1 : 1) * 2 ** -exp * (1 + (r & 0xffff) / 0x10000) / 2;
    else if (dtype === 'bf16') out[i] = (sign << 15) | ((126 - exp) << 7) | (r & 0x7f);
    else out[i] = (sign << 15) | ((14 - exp) << 10) | (r & 0x3ff);
  }
  return out;
}
