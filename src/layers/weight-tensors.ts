import { bf16ToF32, f16ToF32 } from '../../bindings/half.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { HipserveError, ModelFileError } from '../errors.js';
import type { WeightSource, WeightTensor } from '../loader/weights.js';

/** Weight dtypes the linear kernels take as they are stored. */
const MATMUL_DTYPES = new Set(['f32', 'f16', 'bf16']);

/** Gets `name` and checks its shape; the error names the checkpoint and the tensor. */
export function requireWeight(weights: WeightSource, name: string, shape: readonly number[]): WeightTensor {
  const w = weights.get(name);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
    throw new ModelFileError(weights.path, name, `expected shape [${shape.join(', ')}], found [${w.shape.join(', ')}]`);
  }
  return w;
}

/** The stored bytes as a kernel argument, without converting (f32, f16 or bf16). */
export function matmulWeightArg(w: WeightTensor): TensorArg {
  if (!MATMUL_DTYPES.has(w.dtype)) {
    throw new HipserveError('unsupported', `${w.name}: weights of dtype ${w.dtype} are not supported by the linear layers`);
  }
  return { data: w.data, dtype: w.dtype, shape: w.shape };
}

/** A small parameter (norm weight, bias) as f32: a view when stored as f32, a converted copy otherwise. */
export function weightAsF32(w: WeightTensor): Float32Array {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const { buffer, byteOffset } = w.data;
  switch (w.dtype) {
    case 'f32':
      return new Float32Array(buffer, byteOffset, n);
    case 'f16':
    case 'bf16': {
      const bits = new Uint16Array(buffer, byteOffset, n);
      const convert = w.dtype === 'f16' ? f16ToF32 : bf16ToF32;
      return Float32Array.from(bits, convert);
    }
    default:
      throw new HipserveError('unsupported', `${w.name}: parameters of dtype ${w.dtype} are not supported`);
  }
}
