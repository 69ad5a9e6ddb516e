import { bf16ToF32, f16ToF32, toBf16Array, toF16Array } from '../../bindings/half.js';
import { ModelFileError } from '../../src/errors.js';
import type { WeightSource, WeightTensor } from '../../src/loader/weights.js';

/** Weights held in memory for layer tests, stored in the dtype a checkpoint would use. */
export class MemoryWeights implements WeightSource {
  readonly path = 'memory';
  private readonly tensors = new Map<string, WeightTensor>();

  add(name: string, shape: readonly number[], values: Float32Array, dtype: 'f32' | 'f16' | 'bf16' = 'f32'): this {
    const stored = dtype === 'f32' ? values.slice() : dtype === 'f16' ? toF16Array(values) : toBf16Array(values);
    this.tensors.set(name, { name, dtype, shape, data: new Uint8Array(stored.buffer) });
    return this;
  }

  /** The values a tensor holds after rounding to its stored dtype, as f32. */
  valuesOf(name: string): Float32Array {
    const w = this.get(name);
    if (w.dtype === 'f32') return new Float32Array(w.data.buffer.slice(0));
    const bits = new Uint16Array(w.data.buffer);
    return Float32Array.from(bits, w.dtype === 'f16' ? f16ToF32 : bf16ToF32);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  get(name: string): WeightTensor {
    const w = this.tensors.get(name);
    if (!w) throw new ModelFileError(this.path, name, 'no such tensor');
    return w;
  }
}
