import type { DeviceTensorArg, GpuOps } from '../../../bindings/gpu.js';
import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceWeights } from './device-weights.js';

/**
 * y = x·Wᵀ (+ b) on the device through the BLAS wrapper. `load` stacks several checkpoint projections that read
 * the same input into one weight (q/k/v, gate/up), so one GEMM reads x once and writes their outputs side by side.
 */
export class GpuLinear {
  constructor(
    private readonly ops: GpuOps,
    readonly weight: DeviceTensor,
    readonly bias: DeviceTensor | null,
  ) {}

  /** `<prefix>.weight` (and `.bias` when hasBias) of each prefix, stacked in order; outFeatures[i] rows each. */
  static load(ops: GpuOps, weights: DeviceWeights, prefixes: readonly string[], inFeatures: number,
    outFeatures: readonly number[], hasBias = false): GpuLinear {
    const w = weights.concatRows(prefixes.map((p) => `${p}.weight`), [inFeatures], outFeatures);
    const b = hasBias ? weights.concatRows(prefixes.map((p) => `${p}.bias`), [], outFeatures) : null;
    return new GpuLinear(ops, w, b);
  }

  /** x [T, in] → out [T, out]. */
  forward(x: DeviceTensorArg, out: DeviceTensorArg): void {
    this.ops.gpuMatmul(x, this.weight, this.bias, out);
  }
}
