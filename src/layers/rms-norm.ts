import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { WeightSource } from '../loader/weights.js';
import { requireWeight, weightAsF32 } from './weight-tensors.js';

/** x / sqrt(mean(x²) + eps) · weight over the last dimension. */
export class RmsNorm {
  private readonly weight: TensorArg;

  constructor(
    private readonly ops: NativeOps,
    weight: Float32Array,
    private readonly eps: number,
  ) {
    this.weight = { data: weight, dtype: 'f32', shape: [weight.length] };
  }

  static load(ops: NativeOps, weights: WeightSource, name: string, size: number, eps: number): RmsNorm {
    return new RmsNorm(ops, weightAsF32(requireWeight(weights, name, [size])), eps);
  }

  /** x, out [rows, size]; they may be the same tensor. */
  forward(x: TensorArg, out: TensorArg): void {
    this.ops.rmsNorm(x, this.weight, this.eps, out);
  }

  /** residual += x, then x = norm(residual): the pre-norm block's entry, in place. */
  forwardWithResidual(x: TensorArg, residual: TensorArg): void {
    this.ops.fusedAddRmsNorm(x, residual, this.weight, this.eps);
  }
}
