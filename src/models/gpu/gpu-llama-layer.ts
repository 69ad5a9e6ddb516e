import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { GpuOps } from '../../../bindings/gpu.js';
import type { ModelConfig } from '../../loader/model-config.js';
import type { DeviceWeights } from '../../layers/gpu/device-weights.js';
import { checkGatedActivation } from '../../layers/gated-mlp.js';
import { GpuLinear } from '../../layers/gpu/gpu-linear.js';
import type { LlamaVariant } from '../llama-variant.js';
import type { GpuLayerStep } from './gpu-layer-step.js';
import { GpuLlamaAttention, type GpuRotary } from './gpu-llama-attention.js';

/**
 * One pre-norm block on the device. The residual stream is kept apart as on the CPU: on entry `hidden` holds the
 * previous block's output not yet added to `residual` (for the first block, `residual` holds the embeddings and
 * `hidden` nothing); on exit, likewise.
 */
export class GpuLlamaLayer {
  readonly selfAttn: GpuLlamaAttention;
  private readonly inputNorm: DeviceTensor;
  private readonly postNorm: DeviceTensor;
  private readonly gateUp: GpuLinear;
  private readonly down: GpuLinear;
  private readonly eps: number;
  private readonly gelu: boolean;

  constructor(private readonly ops: GpuOps, weights: DeviceWeights, private readonly index: number,
    config: ModelConfig, variant: LlamaVariant, rotary: GpuRotary) {
    const p = `model.layers.${index}`;
    const { hiddenSize: h, intermediateSize: i } = config;
    checkGatedActivation(config.hiddenAct);
    this.eps = config.rmsNormEps;
    this.inputNorm = weights.get(`${p}.input_layernorm.weight`, [h]);
    this.selfAttn = new GpuLlamaAttention(ops, weights, p, config, variant, rotary,
      variant.slidingWindowOf ? variant.slidingWindowOf(index) : config.slidingWindow);
    this.postNorm = weights.get(`${p}.post_attention_layernorm.weight`, [h]);
    this.gateUp = GpuLinear.load(ops, weights, [`${p}.mlp.gate_proj`, `${p}.mlp.up_proj`], h, [i, i], variant.mlpBias);
    this.down = GpuLinear.load(ops, weights, [`${p}.mlp.down_proj`], i, [h], variant.mlpBias);
    this.gelu = config.hiddenAct === 'gelu_pytorch_tanh';
  }

  forward(step: GpuLayerStep): void {
    const { hidden, residual, gateUp, act } = step.views;
    if (this.index === 0) this.ops.gpuRmsNorm(residual, this.inputNorm, this.eps, hidden);
    else this.ops.gpuFusedAddRmsNorm(hidden, residual, this.inputNorm, this.eps);
    this.selfAttn.forward(hidden, hidden, step);
    this.ops.gpuFusedAddRmsNorm(hidden, residual, this.postNorm, this.eps);
    this.gateUp.forward(hidden, gateUp);
    if (this.gelu) this.ops.gpuGeluTanhAndMul(gateUp, act);
    else this.ops.gpuSiluAndMul(gateUp, act);
    this.down.forward(act, hidden);
  }
}
