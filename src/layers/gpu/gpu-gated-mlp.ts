import type { DeviceTensorArg, GpuOps } from '../../../bindings/gpu.js';
import type { HiddenAct } from '../../loader/model-config.js';
import { checkGatedActivation } from '../gated-mlp.js';
import type { DeviceWeights } from './device-weights.js';
import { GpuLinear } from './gpu-linear.js';

/** What the MLP writes between its GEMMs for a step of T tokens: gateUp [T, 2I] (gate, then up) and act [T, I]. */
export interface GpuMlpViews {
  readonly gateUp: DeviceTensorArg;
  readonly act: DeviceTensorArg;
}

/** The GpuMlpViews of intermediate size `i` for T tokens over buffers of at least T·2I and T·I elements. */
export function gpuMlpViews(gateUp: DeviceTensorArg, act: DeviceTensorArg, numTokens: number, i: number): GpuMlpViews {
  return {
    gateUp: { data: gateUp.data, dtype: gateUp.dtype, shape: [numTokens, 2 * i] },
    act: { data: act.data, dtype: act.dtype, shape: [numTokens, i] },
  };
}

/** down(act(gate(x)) · up(x)) on the device, gate and up in one GEMM: SwiGLU for silu, GeGLU for gelu_pytorch_tanh. */
export class GpuGatedMlp {
  private constructor(
    private readonly ops: GpuOps,
    private readonly gateUp: GpuLinear,
    private readonly down: GpuLinear,
    private readonly gelu: boolean,
    readonly intermediateSize: number,
  ) {}

  /** `<prefix>.{gate,up,down}_proj` (with biases when hasBias). */
  static load(ops: GpuOps, weights: DeviceWeights, prefix: string, hiddenSize: number, intermediateSize: number,
    hiddenAct: HiddenAct, hasBias = false): GpuGatedMlp {
    checkGatedActivation(hiddenAct);
    const h = hiddenSize, i = intermediateSize;
    const gateUp = GpuLinear.load(ops, weights, [`${prefix}.gate_proj`, `${prefix}.up_proj`], h, [i, i], hasBias);
    const down = GpuLinear.load(ops, weights, [`${prefix}.down_proj`], i, [h], hasBias);
    return new GpuGatedMlp(ops, gateUp, down, hiddenAct === 'gelu_pytorch_tanh', i);
  }

  /** x [T, H] → out [T, H] (out may be x: x is read only by the first GEMM). */
  forward(x: DeviceTensorArg, out: DeviceTensorArg, views: GpuMlpViews): void {
    this.gateUp.forward(x, views.gateUp);
    if (this.gelu) this.ops.gpuGeluTanhAndMul(views.gateUp, views.act);
    else this.ops.gpuSiluAndMul(views.gateUp, views.act);
    this.down.forward(views.act, out);
  }
}
