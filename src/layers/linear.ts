import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { WeightSource } from '../loader/weights.js';
import { matmulWeightArg, requireWeight, weightAsF32 } from './weight-tensors.js';

/** y = x·Wᵀ (+ b) with W [outFeatures, inFeatures] as stored (f32, f16 or bf16); bias as f32. */
export class Linear {
  private readonly bias: TensorArg | null;

  constructor(
    private readonly ops: NativeOps,
    private readonly weight: TensorArg,
    bias: Float32Array | null,
  ) {
    this.bias = bias ? { data: bias, dtype: 'f32', shape: [bias.length] } : null;
  }

  /** Loads `<prefix>.weight` (and `<prefix>.bias` when `hasBias`). */
  static load(ops: NativeOps, weights: WeightSource, prefix: string, inFeatures: number, outFeatures: number,
    hasBias = false): Linear {
    const w = matmulWeightArg(requireWeight(weights, `${prefix}.weight`, [outFeatures, inFeatures]));
    const b = hasBias ? weightAsF32(requireWeight(weights, `${prefix}.bias`, [outFeatures])) : null;
    return new Linear(ops, w, b);
  }

  /** x [T, inFeatures] → out [T, outFeatures]. */
  forward(x: TensorArg, out: TensorArg): void {
    this.ops.matmul(x, this.weight, this.bias, out);
  }
}
