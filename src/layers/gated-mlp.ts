import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { HipserveError } from '../errors.js';
import type { HiddenAct } from '../loader/model-config.js';
import type { WeightSource } from '../loader/weights.js';
import { Linear } from './linear.js';

/**
 * Scratch the MLP writes between its projections, for a step of T tokens: gateUp [T, 2I] f32 whose left half is
 * `gate` and right half `up` ([T, I] views with row stride 2I), and act [T, I].
 */
export interface GatedMlpScratch {
  readonly gate: TensorArg;
  readonly up: TensorArg;
  readonly gateUp: TensorArg;
  readonly act: TensorArg;
}

/** The GatedMlpScratch views of a step of numTokens tokens over gateUp (≥ T·2I floats) and act (≥ T·I). */
export function gatedMlpScratchViews(gateUp: Float32Array, act: Float32Array, numTokens: number,
  intermediateSize: number): GatedMlpScratch {
  const t = numTokens, i = intermediateSize;
  return {
    gate: { data: gateUp, dtype: 'f32', shape: [t, i], strides: [2 * i, 1] },
    up: { data: gateUp.subarray(i), dtype: 'f32', shape: [t, i], strides: [2 * i, 1] },
    gateUp: { data: gateUp, dtype: 'f32', shape: [t, 2 * i] },
    act: { data: act, dtype: 'f32', shape: [t, i] },
  };
}

/** Throws `unsupported` unless the gated MLP kernels have this activation (silu, gelu_pytorch_tanh). */
export function checkGatedActivation(hiddenAct: HiddenAct): void {
  if (hiddenAct !== 'silu' && hiddenAct !== 'gelu_pytorch_tanh') {
    throw new HipserveError('unsupported', `hidden_act ${hiddenAct} is not supported by the gated MLP`);
  }
}

/** down(act(gate(x)) · up(x)): SwiGLU for silu (Llama, Qwen), GeGLU for gelu_pytorch_tanh. */
export class GatedMlp {
  constructor(
    private readonly ops: NativeOps,
    private readonly gate: Linear,
    private readonly up: Linear,
    private readonly down: Linear,
    private readonly hiddenAct: HiddenAct,
    readonly intermediateSize: number,
  ) {
    checkGatedActivation(hiddenAct);
  }

  /** Loads `<prefix>.gate_proj`, `.up_proj` and `.down_proj`. */
  static load(ops: NativeOps, weights: WeightSource, prefix: string, hiddenSize: number, intermediateSize: number,
    hiddenAct: HiddenAct, bias = false): GatedMlp {
    return new GatedMlp(ops,
      Linear.load(ops, weights, `${prefix}.gate_proj`, hiddenSize, intermediateSize, bias),
      Linear.load(ops, weights, `${prefix}.up_proj`, hiddenSize, intermediateSize, bias),
      Linear.load(ops, weights, `${prefix}.down_proj`, intermediateSize, hiddenSize, bias),
      hiddenAct, intermediateSize);
  }

  /** x [T, H] → out [T, H] (may be x). */
  forward(x: TensorArg, out: TensorArg, scratch: GatedMlpScratch): void {
    this.gate.forward(x, scratch.gate);
    this.up.forward(x, scratch.up);
    if (this.hiddenAct === 'silu') this.ops.siluAndMul(scratch.gateUp, scratch.act);
    else this.ops.geluTanhAndMul(scratch.gateUp, scratch.act);
    this.down.forward(scratch.act, out);
  }
}
